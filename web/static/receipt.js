// Optional, with JavaScript only: a print button for the receipt card, and a copy button that
// first warns that other apps may read the clipboard. Without JavaScript both stay hidden and the
// page says to write the code down or use the browser's own print command.
(function () {
  'use strict';
  var print = document.getElementById('print-receipt');
  if (print) {
    print.hidden = false;
    print.addEventListener('click', function () { window.print(); });
  }
  var copy = document.getElementById('copy-receipt');
  var warning = document.getElementById('copy-warning');
  var status = document.getElementById('copy-status');
  var code = document.querySelector('.receipt-code');
  // The clipboard API exists only on secure pages (https, or this machine); elsewhere no button.
  if (!copy || !warning || !status || !code || !navigator.clipboard || !window.isSecureContext) return;
  copy.hidden = false;
  function fold(open) {
    warning.hidden = !open;
    copy.setAttribute('aria-expanded', open ? 'true' : 'false');
    if (open) document.getElementById('copy-confirm').focus();
  }
  copy.addEventListener('click', function () {
    status.textContent = '';
    fold(warning.hidden);
  });
  document.getElementById('copy-cancel').addEventListener('click', function () {
    fold(false);
    copy.focus();
  });
  document.getElementById('copy-confirm').addEventListener('click', function () {
    navigator.clipboard.writeText(code.textContent.trim()).then(function () {
      status.textContent = status.getAttribute('data-done');
    }, function () {
      status.textContent = status.getAttribute('data-failed');
    }).then(function () {
      fold(false);
      copy.focus();
    });
  });
})();
