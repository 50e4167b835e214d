// render.cjs - load cdp-report html pages in a real browser (Debian's
// Chromium, driven by puppeteer-core) and check that nothing overflows:
// at each width, every section, table, table block, chart, figure, legend
// and tile list must fit in its container (scrollWidth <= clientWidth, and
// its box inside its parent's), and the page must not scroll sideways.
// The same check runs under print media at the width of an A4 page.
//
//   node render.cjs [--shots DIR] [--pdf DIR] [--widths 1280,390] [--dark]
//       FILE.html...
//
// Prints "FILE WIDTH ok" or "FILE WIDTH overflow: WHAT" per page and width
// ("print" for the A4 check); exits 1 when anything overflows, 2 when a
// page logs an error or asks the network for anything.  Needs
// CHROMIUM (default /usr/bin/chromium) and NODE_PATH to find
// puppeteer-core.
'use strict';

const path = require('path');
const puppeteer = require('puppeteer-core');

const A4_CSS_PX = 718;	// 190 mm of an A4 page less 10 mm margins, 96 dpi

function parseArgs(argv) {
	const o = { shots: null, pdf: null, widths: [1280, 390], dark: false,
	    files: [] };
	for (let i = 0; i < argv.length; i++) {
		if (argv[i] === '--shots') o.shots = argv[++i];
		else if (argv[i] === '--pdf') o.pdf = argv[++i];
		else if (argv[i] === '--dark') o.dark = true;
		else if (argv[i] === '--widths')
			o.widths = argv[++i].split(',').map(Number);
		else o.files.push(argv[i]);
	}
	return o;
}

// Runs in the page: what overflows, as short descriptions.
function measure() {
	const bad = [];
	const root = document.documentElement;
	if (root.scrollWidth > root.clientWidth)
		bad.push(`page ${root.scrollWidth}>${root.clientWidth}`);
	const sels = ['section', 'nav.toc', '.scroll', 'table', 'figure',
	    'svg.chart', 'ul.legend', 'ul.kpis', '.kpi', 'h1', 'h2', 'p'];
	for (const sel of sels) {
		document.querySelectorAll(sel).forEach((el, i) => {
			const what = `${sel}[${i}]`;
			if (el.scrollWidth > el.clientWidth &&
			    el.clientWidth > 0)
				bad.push(`${what} ${el.scrollWidth}>${el.clientWidth}`);
			const r = el.getBoundingClientRect();
			const p = el.parentElement.getBoundingClientRect();
			if (r.right > p.right + 0.5 || r.left < p.left - 0.5)
				bad.push(`${what} box ${r.left.toFixed(0)}..` +
				    `${r.right.toFixed(0)} outside ` +
				    `${p.left.toFixed(0)}..${p.right.toFixed(0)}`);
		});
	}
	return bad;
}

// The media type and colour scheme in one call (puppeteer's separate
// calls each reset the other).
async function media(cdp, type, dark) {
	await cdp.send('Emulation.setEmulatedMedia', { media: type,
	    features: [{ name: 'prefers-color-scheme',
	    value: dark ? 'dark' : 'light' }] });
}

async function check(page, file, label, o) {
	await page.goto('file://' + path.resolve(file),
	    { waitUntil: 'load' });
	const bad = await page.evaluate(measure);
	const name = path.basename(file, '.html');
	console.log(`${name} ${label} ` +
	    (bad.length ? 'overflow: ' + bad.join('; ') : 'ok'));
	if (o.shots && label !== 'print')
		await page.screenshot({ fullPage: true,
		    path: path.join(o.shots, `${name}-${label}.png`) });
	return bad.length === 0;
}

async function main() {
	const o = parseArgs(process.argv.slice(2));
	const browser = await puppeteer.launch({
		executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
		headless: true,
		args: ['--no-sandbox', '--disable-gpu', '--hide-scrollbars',
		    '--font-render-hinting=none'],
	});
	let ok = true, errors = 0;
	try {
		const page = await browser.newPage();
		const cdp = await page.createCDPSession();
		page.on('console', (m) => {
			if (m.type() === 'error') {
				console.log(`console error: ${m.text()}`);
				errors++;
			}
		});
		page.on('pageerror', (e) => {
			console.log(`page error: ${e.message}`);
			errors++;
		});
		await page.setRequestInterception(true);
		page.on('request', (r) => {
			if (!r.url().startsWith('file://')) {
				console.log(`network request: ${r.url()}`);
				errors++;
				r.abort();
			} else
				r.continue();
		});
		for (const file of o.files) {
			for (const w of o.widths) {
				await page.setViewport({ width: w, height: 900 });
				await media(cdp, 'screen', o.dark);
				ok = await check(page, file, String(w), o) && ok;
			}
			await page.setViewport({ width: A4_CSS_PX, height: 1000 });
			await media(cdp, 'print', false);
			ok = await check(page, file, 'print', o) && ok;
			if (o.pdf)
				await page.pdf({ format: 'A4', printBackground: true,
				    margin: { top: '10mm', bottom: '10mm',
				    left: '10mm', right: '10mm' },
				    path: path.join(o.pdf,
				    path.basename(file, '.html') + '.pdf') });
		}
	} finally {
		await browser.close();
	}
	process.exit(errors ? 2 : ok ? 0 : 1);
}

main().catch((e) => {
	console.error(`render.cjs: ${e.message}`);
	process.exit(3);
});
