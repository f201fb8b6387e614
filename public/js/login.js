// Username step: offers passkey autofill (conditional mediation) in the username field, so a
// discoverable passkey signs in without typing anything. The form itself works without this.
(function () {
  'use strict';
  const { startAuthentication, browserSupportsWebAuthnAutofill } = window.SimpleWebAuthnBrowser;
  const { postJSON, messageFor, showStatus, supported } = window.PasskeyUI;
  const base = document.getElementById('passkey-config').dataset.base;

  async function autofill() {
    if (!supported || !(await browserSupportsWebAuthnAutofill())) return;
    try {
      const optionsJSON = await postJSON(`${base}/passkey/options`, { mode: 'autofill' });
      const credential = await startAuthentication({ optionsJSON, useBrowserAutofill: true });
      const { redirectTo } = await postJSON(`${base}/passkey/verify`, { mode: 'autofill', credential });
      window.location.assign(redirectTo);
    } catch (error) {
      // Autofill is an offer, not a step: the browser ending it (no passkey here, the form was
      // submitted, the person looked away) is silent. Only the server's verdict is worth saying.
      if (error && error.fromServer) showStatus(messageFor(error, 'authenticate'));
    }
  }

  autofill();
})();
