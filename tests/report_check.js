// SPDX-License-Identifier: MIT
// report_check.js - appended to a copy of report.html by report_test.c and run by
// headless Chromium (--dump-dom): once the page has loaded, it writes one line into the
// DOM saying how many images loaded and which links lead nowhere. A link is followed
// with a synchronous request (Chromium needs --allow-file-access-from-files for file://).
window.addEventListener('load', () => {
  const images = [...document.images];
  const broken = images.filter((i) => !(i.complete && i.naturalWidth > 0))
    .map((i) => i.getAttribute('src'));
  const links = [...document.querySelectorAll('a[href]')].map((a) => a.getAttribute('href'));
  const bad = [];
  for (const href of links) {
    if (href.startsWith('#')) {
      if (!document.getElementById(href.slice(1))) bad.push(href);
      continue;
    }
    try {
      const x = new XMLHttpRequest();
      x.open('GET', href, false);
      x.send();
      if (x.status !== 0 && x.status !== 200) bad.push(href);
    } catch (e) {
      bad.push(href);
    }
  }
  const out = document.createElement('pre');
  // The marker is built so that it appears in the DOM only once the check has run.
  out.textContent = `${'TB'}CHECK images=${images.length} broken=${broken.length} ` +
    `links=${links.length} badlinks=${bad.length} [${broken.concat(bad).join(' ')}]`;
  document.body.appendChild(out);
});
