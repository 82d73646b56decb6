// Optional: the quick-exit link works without this (it goes through /exit, which signs out and
// sends the visitor on). With it, leaving is instant: the page blanks, /exit is called in the
// background (keepalive, so it completes after the page is gone) to end the session on the
// server, and the neutral site replaces this page in history, so Back does not return here.
// Pressing Escape three times leaves too. Pages with case content blank themselves and ask the
// server again when the browser restores them from its back-forward cache.
(function () {
  'use strict';
  var link = document.getElementById('quick-exit');
  if (!link) return;
  var away = link.getAttribute('data-away');
  function leave(e) {
    if (e) e.preventDefault();
    var signOut = link.getAttribute('href');
    if (!away || !window.fetch) {
      window.location.replace(signOut);
      return;
    }
    try {
      window.fetch(signOut, { method: 'GET', credentials: 'same-origin', keepalive: true,
        redirect: 'manual', cache: 'no-store' }).catch(function () {});
    } catch (x) {
      window.location.replace(signOut);
      return;
    }
    try { document.body.innerHTML = ''; } catch (x) {}
    window.location.replace(away);
  }
  link.addEventListener('click', leave);
  var presses = 0, timer = null;
  document.addEventListener('keydown', function (e) {
    if (e.key !== 'Escape') return;
    presses += 1;
    clearTimeout(timer);
    timer = setTimeout(function () { presses = 0; }, 1500);
    if (presses >= 3) leave();
  });
  window.addEventListener('pageshow', function (e) {
    if (!e.persisted || !document.documentElement.hasAttribute('data-private')) return;
    try { document.body.innerHTML = ''; } catch (x) {}
    window.location.reload();
  });
})();
