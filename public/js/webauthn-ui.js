// Shared by the passkey pages: JSON calls, progress on buttons, and human messages for failures.
(function () {
  'use strict';

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
      const error = new Error(data.error_description || 'Something went wrong on our side. Please try again.');
      error.fromServer = true;
      error.code = data.error;
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
      return 'This device already has a passkey for your account. Use it to sign in instead.';
    }
    if (name === 'NotAllowedError' || code === 'ERROR_CEREMONY_ABORTED' || name === 'AbortError') {
      return ceremony === 'register'
        ? 'The passkey prompt was closed or timed out. Try again, or choose “Not now”.'
        : 'The passkey prompt was closed or timed out, or this device has no passkey for your account. Try again, or use another way to sign in.';
    }
    if (name === 'NotSupportedError' || code === 'ERROR_INVALID_PUBLIC_KEY_CREDENTIAL_PARAMS') {
      return 'This device cannot create a passkey of a supported kind. Try another device or browser.';
    }
    if (name === 'SecurityError' || code === 'ERROR_INVALID_RP_ID' || code === 'ERROR_INVALID_DOMAIN') {
      return 'Passkeys cannot be used on this address. Please tell the site administrator (the issuer URL does not match).';
    }
    if (name === 'TypeError') return 'We could not reach the server. Check your connection and try again.';
    return 'Something went wrong with the passkey. Please try again.';
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
      button.append(spinner, document.createTextNode(' Waiting for your passkey…'));
    } else {
      button.textContent = button.dataset.label;
    }
  }

  const supported = window.SimpleWebAuthnBrowser && window.SimpleWebAuthnBrowser.browserSupportsWebAuthn();
  const UNSUPPORTED = 'This browser does not support passkeys. Try a recent Chrome, Safari, Edge or Firefox, or use another way to sign in.';

  window.PasskeyUI = { postJSON, messageFor, showStatus, setBusy, supported, UNSUPPORTED };
})();
