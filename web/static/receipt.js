// Optional: a print button for the receipt card. Without JavaScript the page says to use the
// browser's own print command.
(function () {
  'use strict';
  var b = document.getElementById('print-receipt');
  if (!b) return;
  b.hidden = false;
  b.addEventListener('click', function () { window.print(); });
})();
