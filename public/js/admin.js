// The admin page: before a change is submitted, a fresh passkey ceremony of this admin (unless the
// last one, in this session, is under five minutes old). The server checks again on every change.
(function () {
  'use strict';
  const holder = document.getElementById('admin-reverify');
  if (!holder) return;
  const { startAuthentication } = window.SimpleWebAuthnBrowser;
  const { postJSON, messageFor, showStatus, setBusy, supported, UNSUPPORTED } = window.PasskeyUI;
  // The server's clock decides; a margin keeps a form from arriving just after the marker expired.
  const MARGIN_MS = 15 * 1000;
  const until = (seconds) => Date.now() + Number(seconds || 0) * 1000 - MARGIN_MS;
  let freshUntil = until(holder.dataset.freshFor);
  let running = false;

  async function reverify() {
    const optionsJSON = await postJSON(holder.dataset.options, {});
    const credential = await startAuthentication({ optionsJSON });
    const { freshFor } = await postJSON(holder.dataset.verify, { credential });
    freshUntil = until(freshFor);
  }

  document.addEventListener('submit', async (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute('data-reverify')) return;
    if (Date.now() < freshUntil) return;
    event.preventDefault();
    if (running) return;
    if (!supported) return showStatus(UNSUPPORTED);
    const button = event.submitter || form.querySelector('button[type="submit"]');
    running = true;
    showStatus('');
    if (button) setBusy(button, true);
    try {
      await reverify();
      // submit(), not requestSubmit(): no second submit event, so no second ceremony.
      form.submit();
    } catch (error) {
      showStatus(messageFor(error, 'authenticate'));
      if (button) {
        setBusy(button, false);
        button.focus();
      }
    } finally {
      running = false;
    }
  });

  // Back to this page from the next one (back/forward cache): no button left busy.
  window.addEventListener('pageshow', (event) => {
    if (!event.persisted) return;
    for (const button of document.querySelectorAll('button[aria-busy="true"]')) setBusy(button, false);
  });
})();
