// Passkey step: "Sign in with a passkey" for the chosen account.
(function () {
  'use strict';
  const { startAuthentication } = window.SimpleWebAuthnBrowser;
  const { postJSON, messageFor, showStatus, setBusy, supported, UNSUPPORTED } = window.PasskeyUI;
  const button = document.getElementById('passkey-button');
  if (!button) return;
  const base = button.dataset.base;

  button.addEventListener('click', async () => {
    if (!supported) return showStatus(UNSUPPORTED);
    showStatus('');
    setBusy(button, true);
    try {
      const optionsJSON = await postJSON(`${base}/passkey/options`, { mode: 'account' });
      const credential = await startAuthentication({ optionsJSON });
      const { redirectTo } = await window.PasskeySignals.verifySignIn(`${base}/passkey/verify`, { mode: 'account', credential }, optionsJSON.rpId);
      window.location.assign(redirectTo);
    } catch (error) {
      showStatus(messageFor(error, 'authenticate'));
      setBusy(button, false);
      button.focus();
    }
  });
  // The page serves the button hidden: only now does a click do something.
  button.hidden = false;
})();
