/**
 * The pages' only script, served as a file (/review/static/app.js; the CSP
 * allows 'self' scripts and no inline ones). Everything it does is an
 * enhancement: without it the menu stays open on a phone and tables reflow
 * without their column labels.
 */
export const APP_JS = `document.documentElement.classList.add('js');
document.addEventListener('DOMContentLoaded', function () {
  var button = document.querySelector('.menu-button');
  var nav = document.getElementById('nav');
  if (button && nav) {
    button.addEventListener('click', function () {
      var open = nav.classList.toggle('open');
      button.setAttribute('aria-expanded', open ? 'true' : 'false');
    });
  }
  // Reflowed tables (phones) label each cell with its column's heading.
  document.querySelectorAll('main table').forEach(function (table) {
    var heads = Array.prototype.map.call(table.querySelectorAll('thead th'), function (th) {
      return th.textContent.trim();
    });
    if (!heads.length) return;
    table.querySelectorAll('tbody tr').forEach(function (tr) {
      Array.prototype.forEach.call(tr.children, function (td, i) {
        if (heads[i] && !td.hasAttribute('data-label')) td.setAttribute('data-label', heads[i]);
      });
    });
  });
  // Bulk actions: one box selects every row.
  document.querySelectorAll('input[data-select-all]').forEach(function (all) {
    all.addEventListener('change', function () {
      document.querySelectorAll('input[name="' + all.getAttribute('data-select-all') + '"]').forEach(function (box) {
        box.checked = all.checked;
      });
    });
  });
});
`;
