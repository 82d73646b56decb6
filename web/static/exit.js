// Optional: the quick-exit link works without this. With it, the exit replaces this page in
// history (Back does not return here) and pressing Escape three times leaves too.
(function () {
  'use strict';
  var link = document.getElementById('quick-exit');
  if (!link) return;
  function leave(e) {
    if (e) e.preventDefault();
    try { document.body.innerHTML = ''; } catch (x) {}
    window.location.replace(link.href);
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
})();
