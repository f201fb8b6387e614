// Keeps the browser's passkey list in step with the server (the WebAuthn Signal API): after a
// sign-in and on the account page, which passkeys this account accepts and the names it goes by;
// after a sign-in with a passkey the server no longer knows, that this one is gone. Browsers
// without the API (or any failure of it) change nothing: these are hints, never a step.
(function () {
  'use strict';

  function supports(name) {
    // window.: a bare PublicKeyCredential would throw a ReferenceError where WebAuthn is absent.
    const api = window.PublicKeyCredential;
    return Boolean(api) && typeof api[name] === 'function';
  }

  /** Calls PublicKeyCredential[name](options) where the browser has it; fire-and-forget. */
  function signal(name, options) {
    if (!supports(name)) return;
    const api = window.PublicKeyCredential;
    try {
      Promise.resolve(api[name](options)).catch(() => {});
    } catch {
      // A browser that throws synchronously instead of rejecting: just as ignorable.
    }
  }

  /** The server's `signals` (rpId, userId, allAcceptedCredentialIds, name, displayName). */
  function accepted(signals) {
    if (!signals || typeof signals.rpId !== 'string' || typeof signals.userId !== 'string') return;
    const { rpId, userId, allAcceptedCredentialIds, name, displayName } = signals;
    signal('signalAllAcceptedCredentials', { rpId, userId, allAcceptedCredentialIds });
    signal('signalCurrentUserDetails', { rpId, userId, name, displayName });
  }

  function unknown(rpId, credentialId) {
    if (typeof rpId === 'string' && typeof credentialId === 'string') signal('signalUnknownCredential', { rpId, credentialId });
  }

  /**
   * Posts a sign-in's assertion to `url` and passes the outcome on to the browser: the account's
   * passkeys when it signed in, "forget this one" when the server does not know the passkey.
   * Resolves or rejects as postJSON does.
   */
  async function verifySignIn(url, body, rpId) {
    // The server looks the account's passkeys up only for a browser that can pass them on.
    const wanted = supports('signalAllAcceptedCredentials') || supports('signalCurrentUserDetails');
    try {
      const answer = await window.PasskeyUI.postJSON(url, wanted ? { ...body, signals: true } : body);
      accepted(answer.signals);
      return answer;
    } catch (error) {
      if (error && error.unknownCredential) unknown(rpId, body.credential && body.credential.id);
      throw error;
    }
  }

  // The account page: its data sits in the page (the CSP allows no inline script).
  const holder = document.getElementById('passkey-signals');
  if (holder) {
    try {
      accepted(JSON.parse(holder.dataset.signals || 'null'));
    } catch {
      // Unreadable data: nothing to say.
    }
  }

  window.PasskeySignals = { verifySignIn, accepted, unknown };
})();
