// duckdb.mjs - the peer DuckDB (through npm's @duckdb/node-api) doing the
// work of one cdpipe bench row, for bench/run.sh.
//
// usage: node duckdb.mjs TASK FILE [AS_OF]
//   csv2ndjson  CSV in, every cell a string, NDJSON out (cdp-ingest)
//   filter      purchases over 50 in PL or DE (cdp-segment --where)
//   group       count, sum and mean of revenue per channel (cdp-report group)
//   dedupe      first record per e-mail in input order, records with no
//               e-mail kept (cdp-dedupe --key email)
//   identity    records joined by a shared e-mail, phone or customer id:
//               connected components by label propagation until stable
//               (cdp-merge --ids email,phone,customer_id)
//   rfm         recency, frequency, monetary and their quintile scores per
//               customer (cdp-score rfm)
// Results go to /dev/null, as the cdpipe commands' do.  DuckDB uses all
// the CPUs (its default).  The module is looked up from the environment
// variable DUCKDB_NODE_MODULES (the folder holding @duckdb).
import { createRequire } from 'node:module';
import path from 'node:path';

const [task, file, asOf = '2026-01-01'] = process.argv.slice(2);
const dir = process.env.DUCKDB_NODE_MODULES;
if (!task || !file || !dir) {
	console.error('usage: DUCKDB_NODE_MODULES=DIR node duckdb.mjs TASK FILE');
	process.exit(64);
}
const require = createRequire(path.join(dir, 'x.js'));
const { DuckDBInstance } = require('@duckdb/node-api');

const q = (s) => "'" + s.replace(/'/g, "''") + "'";
const json = `read_json(${q(file)}, format = 'newline_delimited')`;
const out = (sql) => `COPY (${sql}) TO '/dev/null' (FORMAT JSON)`;

const tasks = {
	csv2ndjson: [out(`SELECT * FROM read_csv(${q(file)}, all_varchar = true)`)],
	filter: [out(`SELECT * FROM ${json} WHERE type = 'purchase' AND
	    revenue > 50 AND country IN ('PL', 'DE')`)],
	group: [out(`SELECT channel, count(*) AS count,
	    sum(revenue) AS sum_revenue, avg(revenue) AS avg_revenue
	    FROM ${json} GROUP BY channel ORDER BY channel`)],
	dedupe: [out(`SELECT * EXCLUDE (ord) FROM
	    (SELECT *, row_number() OVER () AS ord FROM ${json})
	    QUALIFY email IS NULL OR email = '' OR
	    row_number() OVER (PARTITION BY email ORDER BY ord) = 1
	    ORDER BY ord`)],
	rfm: [out(`WITH c AS (SELECT customer_id,
	    min(ts::TIMESTAMP) AS first, max(ts::TIMESTAMP) AS last,
	    count(*) AS frequency, sum(revenue) AS monetary
	    FROM ${json} GROUP BY customer_id)
	    SELECT customer_id, first, last,
	    date_diff('day', last, ${q(asOf)}::TIMESTAMP) AS recency,
	    frequency, monetary, monetary / frequency AS monetary_mean,
	    ntile(5) OVER (ORDER BY last) AS r,
	    ntile(5) OVER (ORDER BY frequency) AS f,
	    ntile(5) OVER (ORDER BY monetary) AS m
	    FROM c ORDER BY customer_id`)],
};

const inst = await DuckDBInstance.create(':memory:');
const con = await inst.connect();
if (task === 'identity') {
	await con.run(`CREATE TABLE r AS SELECT row_number() OVER () AS id, *
	    FROM ${json}`);
	await con.run(`CREATE TABLE e AS
	    SELECT id, 'e' || lower(email) AS v FROM r WHERE email <> ''
	    UNION ALL SELECT id, 'p' || phone FROM r WHERE phone <> ''
	    UNION ALL SELECT id, 'c' || customer_id FROM r
	    WHERE customer_id <> ''`);
	await con.run('CREATE TABLE l AS SELECT id, id AS lab FROM r');
	for (;;) {
		await con.run(`CREATE OR REPLACE TABLE vl AS SELECT e.v,
		    min(l.lab) AS lab FROM e JOIN l USING (id) GROUP BY e.v`);
		await con.run(`CREATE OR REPLACE TABLE l2 AS SELECT e.id,
		    min(vl.lab) AS lab FROM e JOIN vl USING (v) GROUP BY e.id`);
		const n = await con.runAndReadAll(`SELECT count(*) FROM l
		    JOIN l2 USING (id) WHERE l2.lab < l.lab`);
		if (Number(n.getRows()[0][0]) === 0)
			break;
		await con.run(`UPDATE l SET lab = l2.lab FROM l2
		    WHERE l.id = l2.id AND l2.lab < l.lab`);
	}
	await con.run(out(`SELECT r.* EXCLUDE (id), l.lab AS profile_id
	    FROM r JOIN l USING (id) ORDER BY r.id`));
} else if (tasks[task]) {
	for (const sql of tasks[task])
		await con.run(sql);
} else {
	console.error(`duckdb.mjs: unknown task ${task}`);
	process.exit(64);
}
