// The report form, enhanced: "Add another link / offline copy" adds the row in place, with focus
// in its first field, so nothing typed or chosen (screenshots) is lost. Without this script the
// button posts the form, and the page comes back on the new row (#added, autofocus).
(function () {
  'use strict';
  var lang = document.documentElement.lang;

  // "2nd" in English; the Chinese text has 第 {} already.
  function ordinal(n) {
    if (lang !== 'en') return String(n);
    var t = n % 100, s = 'th';
    if (t < 11 || t > 13) s = n % 10 === 1 ? 'st' : n % 10 === 2 ? 'nd' : n % 10 === 3 ? 'rd' : 'th';
    return n + s;
  }

  // The next free row number: form names are targets[N].field, N below 100.
  function nextIndex(form) {
    var max = -1;
    var inputs = form.querySelectorAll('input[name^="targets["]');
    for (var i = 0; i < inputs.length; i++) {
      var m = /^targets\[(\d+)\]/.exec(inputs[i].name);
      if (m) max = Math.max(max, Number(m[1]));
    }
    return max + 1;
  }

  // A blank copy of row, renumbered to n.
  function blankRow(row, n) {
    var copy = row.cloneNode(true);
    copy.removeAttribute('id');
    copy.classList.remove('added');
    var errors = copy.querySelectorAll('.field-error');
    for (var e = 0; e < errors.length; e++) errors[e].parentNode.removeChild(errors[e]);
    var invalid = copy.querySelectorAll('.invalid');
    for (var v = 0; v < invalid.length; v++) invalid[v].classList.remove('invalid');
    var els = copy.querySelectorAll('[id], [for], [name]');
    for (var i = 0; i < els.length; i++) {
      var el = els[i];
      ['id', 'for', 'name'].forEach(function (a) {
        var val = el.getAttribute(a);
        if (val) el.setAttribute(a, val.replace(/targets([_[])\d+/, 'targets$1' + n));
      });
      el.removeAttribute('aria-invalid');
      el.removeAttribute('aria-describedby');
      el.removeAttribute('autofocus');
      if (el.tagName === 'INPUT' && el.type !== 'hidden') el.value = '';
    }
    return copy;
  }

  document.addEventListener('click', function (ev) {
    var button = ev.target.closest ? ev.target.closest('button.add-row') : null;
    if (!button || !button.form) return;
    var kind = button.getAttribute('data-kind');
    var rows = button.form.querySelector('.copy-rows[data-kind="' + kind + '"]');
    var existing = rows ? rows.querySelectorAll('.copy-row') : [];
    var n = nextIndex(button.form);
    if (!existing.length || n > 99) return; // the server adds it
    ev.preventDefault();
    var row = blankRow(existing[existing.length - 1], n);
    var legend = row.querySelector('legend');
    if (legend) legend.textContent = (button.getAttribute('data-label') || '').replace('{}', ordinal(existing.length + 1));
    rows.appendChild(row);
    var first = row.querySelector('input:not([type="hidden"])');
    if (first) first.focus();
  });
})();
