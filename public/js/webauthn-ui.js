// Shared by the passkey pages: JSON calls, progress on buttons, and human messages for failures.
(function () {
  'use strict';

  // The page's language: the server renders these into a data attribute next to the scripts.
  const messagesHolder = document.getElementById('page-messages');
  const MESSAGES = messagesHolder ? JSON.parse(messagesHolder.dataset.messages || '{}') : {};
  const say = (name) => MESSAGES[name] || name;

  async function postJSON(url, body) {
    const response = await fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
    });
    let data = {};
    try {
      data = await response.json();
    } catch {
      // A non-JSON answer (a proxy error page) gets the generic message below.
    }
    if (!response.ok) {
      const error = new Error(data.error_description || say('serverError'));
      error.fromServer = true;
      error.code = data.error;
      // A passkey the server does not know (deleted): passkey-signals.js tells the browser.
      error.unknownCredential = data.unknown_credential === true;
      throw error;
    }
    return data;
  }

  /** Turns any failure of a ceremony into a sentence with a way forward. */
  function messageFor(error, ceremony) {
    if (error && error.fromServer) return error.message;
    const name = (error && (error.cause && error.cause.name)) || (error && error.name) || '';
    const code = (error && error.code) || '';
    if (code === 'ERROR_AUTHENTICATOR_PREVIOUSLY_REGISTERED' || name === 'InvalidStateError') {
      return say('alreadyRegistered');
    }
    if (name === 'NotAllowedError' || code === 'ERROR_CEREMONY_ABORTED' || name === 'AbortError') {
      return say(ceremony === 'register' ? 'cancelledRegister' : 'cancelledSignIn');
    }
    if (name === 'NotSupportedError' || code === 'ERROR_INVALID_PUBLIC_KEY_CREDENTIAL_PARAMS') {
      return say('notSupportedKind');
    }
    if (name === 'SecurityError' || code === 'ERROR_INVALID_RP_ID' || code === 'ERROR_INVALID_DOMAIN') {
      return say('wrongAddress');
    }
    if (name === 'TypeError') return say('offline');
    return say('generic');
  }

  function showStatus(text) {
    const status = document.getElementById('passkey-status');
    if (status) status.textContent = text || '';
  }

  /** While the browser's prompt is open the button says so and cannot be pressed twice. */
  function setBusy(button, busy) {
    if (!button.dataset.label) button.dataset.label = button.textContent;
    button.disabled = busy;
    button.setAttribute('aria-busy', String(busy));
    button.textContent = '';
    if (busy) {
      const spinner = document.createElement('span');
      spinner.className = 'spinner';
      spinner.setAttribute('aria-hidden', 'true');
      button.append(spinner, document.createTextNode(` ${say('busy')}`));
    } else {
      button.textContent = button.dataset.label;
    }
  }

  const supported = window.SimpleWebAuthnBrowser && window.SimpleWebAuthnBrowser.browserSupportsWebAuthn();
  const UNSUPPORTED = say('unsupported');

  window.PasskeyUI = { postJSON, messageFor, showStatus, setBusy, supported, UNSUPPORTED };
})();
