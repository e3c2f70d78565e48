// SPDX-License-Identifier: MIT
// report_check.js - appended to a copy of report.html by report_test.c and run by
// headless Chromium (--dump-dom): once the page has loaded, it writes one line into the
// DOM saying how many images loaded and which links lead nowhere. A link is followed
// with a synchronous request (Chromium needs --allow-file-access-from-files for file://).
// Each graph's SVG twin is laid out in the page to measure its labels: the coloured ones
// (events and recovery times) must not cover each other. And the page must fit the
// window's width: overflow is how many pixels it is wider.
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
  let labels = 0;
  const overlapping = [];
  const svgs = images.map((i) => i.getAttribute('src')).filter((s) => s.endsWith('.png'))
    .map((s) => s.replace(/\.png$/, '.svg'));
  for (const src of svgs) {
    let text = '';
    try {
      const x = new XMLHttpRequest();
      x.open('GET', src, false);
      x.send();
      text = x.responseText;
    } catch (e) {
      continue;
    }
    const holder = document.createElement('div');
    holder.innerHTML = text;
    document.body.appendChild(holder);
    const coloured = [...holder.querySelectorAll('text')].filter((t) => {
      const fill = getComputedStyle(t).fill;
      return fill !== 'rgb(0, 0, 0)' && fill !== 'none' && t.textContent.trim() !== '';
    });
    labels += coloured.length;
    const boxes = coloured.map((t) => t.getBoundingClientRect());
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i], b = boxes[j];
        if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom) {
          overlapping.push(`${coloured[i].textContent}|${coloured[j].textContent}`);
        }
      }
    }
    holder.remove();
  }
  const overflow = document.documentElement.scrollWidth - window.innerWidth;
  const out = document.createElement('pre');
  // The marker is built so that it appears in the DOM only once the check has run.
  out.textContent = `${'TB'}CHECK images=${images.length} broken=${broken.length} ` +
    `links=${links.length} badlinks=${bad.length} labels=${labels} ` +
    `overlaps=${overlapping.length} overflow=${overflow} ` +
    `[${broken.concat(bad, overlapping).join(' ')}]`;
  document.body.appendChild(out);
});
