// "Create a passkey": after signup or an email sign-in, and on the account page.
(function () {
  'use strict';
  const { startRegistration } = window.SimpleWebAuthnBrowser;
  const { postJSON, messageFor, showStatus, setBusy, supported, UNSUPPORTED } = window.PasskeyUI;
  const button = document.getElementById('register-button');

  button.addEventListener('click', async () => {
    if (!supported) return showStatus(UNSUPPORTED);
    showStatus('');
    setBusy(button, true);
    try {
      const optionsJSON = await postJSON(button.dataset.options, {});
      const credential = await startRegistration({ optionsJSON });
      const { redirectTo } = await postJSON(button.dataset.verify, { credential });
      window.location.assign(redirectTo);
    } catch (error) {
      showStatus(messageFor(error, 'register'));
      setBusy(button, false);
      button.focus();
    }
  });
  // The page serves the button hidden: only now does a click do something.
  button.hidden = false;
})();
