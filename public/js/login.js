// Username step: passkey autofill (conditional mediation) in the username field, and the
// "Sign in with a passkey" button for browsers that offer no autofill. Both are usernameless:
// any passkey this browser (or a phone, through the browser's QR option) holds for this site.
// The username form itself works without this script.
(function () {
  'use strict';
  const { startAuthentication, browserSupportsWebAuthnAutofill } = window.SimpleWebAuthnBrowser;
  const { postJSON, messageFor, showStatus, setBusy, supported } = window.PasskeyUI;
  const base = document.getElementById('passkey-config').dataset.base;
  const option = document.getElementById('passkey-option');
  const button = document.getElementById('passkey-button');

  async function signIn(mode, useBrowserAutofill) {
    const optionsJSON = await postJSON(`${base}/passkey/options`, { mode });
    const credential = await startAuthentication({ optionsJSON, useBrowserAutofill });
    const { redirectTo } = await window.PasskeySignals.verifySignIn(`${base}/passkey/verify`, { mode, credential }, optionsJSON.rpId);
    window.location.assign(redirectTo);
  }

  async function autofill() {
    if (!supported || !(await browserSupportsWebAuthnAutofill())) return;
    try {
      await signIn('autofill', true);
    } catch (error) {
      // Autofill is an offer, not a step: the browser ending it (no passkey here, the form was
      // submitted, the button was pressed) is silent. Only the server's verdict is worth saying.
      if (error && error.fromServer) showStatus(messageFor(error, 'authenticate'));
    }
  }

  if (supported) {
    button.addEventListener('click', async () => {
      showStatus('');
      setBusy(button, true);
      try {
        await signIn('discoverable', false);
      } catch (error) {
        showStatus(messageFor(error, 'authenticate'));
        setBusy(button, false);
        button.focus();
        autofill();
      }
    });
    option.hidden = false;
  }
  autofill();
})();
