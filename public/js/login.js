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
      // Submitting the form aborts the pending autofill request: that is not a failure.
      const name = (error && error.cause && error.cause.name) || (error && error.name);
      if (name === 'AbortError' || (error && error.code === 'ERROR_CEREMONY_ABORTED')) return;
      showStatus(messageFor(error, 'authenticate'));
    }
  }

  autofill();
})();
