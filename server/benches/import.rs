//! CSV import benchmark (`make bench-import`): a generated 1,000,000-row, 8-column CSV
//! (`BENCH_ROWS`) is imported through the API into a list on SQLite, served by the release
//! binary in its own process (`CADENCE_BIN`), so that its peak RSS is the server's alone.
//! Reports the wall time from the first byte sent to the rows being visible, rows/s, the
//! server's peak RSS, then the list page on that list: the first page and a filtered page
//! (median and p95 of 20 reads each). Writes the figures to
//! `$CARGO_TARGET_DIR/bench/import.txt`; asserts nothing.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use app::server::{tokens, users};
use server::demo::CITIES;

fn percentile(samples: &mut [f64], p: f64) -> f64 {
    samples.sort_by(|a, b| a.partial_cmp(b).unwrap());
    samples[((samples.len() as f64 - 1.0) * p).round() as usize]
}

/// The server's peak resident set (VmHWM), in MiB.
fn peak_rss(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

async fn get_json(client: &reqwest::Client, url: &str, token: &str) -> serde_json::Value {
    client
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::main]
async fn main() {
    let rows: u64 = std::env::var("BENCH_ROWS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let bin = std::env::var("CADENCE_BIN").expect("CADENCE_BIN: the release server binary");
    let dir = std::env::temp_dir().join(format!("cadence_bench_import_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();

    // The file.
    let csv = dir.join("prospects.csv");
    {
        let mut out = std::io::BufWriter::new(std::fs::File::create(&csv).unwrap());
        writeln!(
            out,
            "Company,Name,Phone,Email,City,Industry,Employees,Notes"
        )
        .unwrap();
        for i in 0..rows {
            writeln!(
                out,
                "Company {i},Person {i},+33 1 {:08},person{i}@company{i}.test,{},Industry {},{},\"Met at the fair, booth {}\"",
                i % 100_000_000,
                CITIES[(i % 8) as usize],
                i % 37,
                10 + i % 990,
                i % 500
            )
            .unwrap();
        }
    }
    let bytes = std::fs::metadata(&csv).unwrap().len();

    // The database with a manager and a token, then the server in its own process.
    let url = format!("sqlite://{}/bench.db", dir.display());
    let token = {
        let db = server::connect(&url).await.unwrap();
        let user = users::create(
            &db,
            users::NewUser {
                name: "Bench Manager".into(),
                email: "manager@bench.test".into(),
                role: "manager".into(),
                segment_id: None,
                password: "bench-password".into(),
            },
        )
        .await
        .unwrap();
        tokens::create(&db, user.id, "bench").await.unwrap().token
    };
    let mut child = Command::new(&bin)
        .args(["serve", "--addr", "127.0.0.1:0", "--database-url", &url])
        .args(["--site-root", dir.to_str().unwrap()])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the server");
    let pid = child.id();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let base = loop {
        let line = lines.next().expect("server output").unwrap();
        if let Some(at) = line.find("http://") {
            break line[at..].split_whitespace().next().unwrap().to_string();
        }
    };
    let client = reqwest::Client::new();
    let api = |path: &str| format!("{base}/api/v1{path}");
    let list: serde_json::Value = client
        .post(api("/prospecting-lists"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"name": "Bench", "columns": []}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let list_id = list["id"].as_i64().unwrap();
    let rss_before = peak_rss(pid);

    // The import: upload, then follow until the rows are visible.
    let body = std::fs::read(&csv).unwrap();
    let started = Instant::now();
    let response: serde_json::Value = client
        .post(api(&format!("/prospecting-lists/{list_id}/import")))
        .bearer_auth(&token)
        .header("content-type", "text/csv")
        .body(body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let uploaded = started.elapsed();
    let import_id = response["id"].as_i64().expect("an import id");
    let mut updates = 0;
    let status = loop {
        let import = get_json(&client, &api(&format!("/imports/{import_id}")), &token).await;
        updates += 1;
        let status = import["status"].as_str().unwrap_or_default().to_string();
        if !matches!(status.as_str(), "uploading" | "running" | "cancelling") {
            break import;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let wall = started.elapsed();
    let rss = peak_rss(pid);

    // The list page on that list.
    let page = |query: String| {
        let client = client.clone();
        let token = token.clone();
        let url = api(&format!("/prospecting-lists/{list_id}/prospects?{query}"));
        async move {
            let mut samples = Vec::new();
            let mut total = 0;
            for _ in 0..20 {
                let t = Instant::now();
                let page = get_json(&client, &url, &token).await;
                samples.push(t.elapsed().as_secs_f64() * 1000.0);
                total = page["total"].as_u64().unwrap_or(0);
            }
            (
                percentile(&mut samples.clone(), 0.5),
                percentile(&mut samples, 0.95),
                total,
            )
        }
    };
    let list = get_json(
        &client,
        &api(&format!("/prospecting-lists/{list_id}")),
        &token,
    )
    .await;
    let column = |name: &str| {
        list["columns"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap()["id"]
            .as_i64()
            .unwrap()
    };
    let first = page(String::new()).await;
    let filtered = page(format!("filter.{}=Person 99999", column("Name"))).await;
    let city = page(format!("filter.{}=lyon", column("City"))).await;
    let sorted = page(format!("sort={}", column("Company"))).await;
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);

    let ok = status["rows_ok"].as_i64().unwrap_or(0);
    let report = format!(
        "import: {rows} rows, 8 columns, {:.1} MB on SQLite; release server in its own process\n\
         status {} with {ok} rows imported, {} rejected; {updates} progress reads\n\
         upload {:.1} s, total wall time {:.1} s ({:.0} rows/s)\n\
         server peak RSS {:.0} MiB (before the import {:.0} MiB)\n\
         list page, first page:            median {:.1} ms, p95 {:.1} ms ({} rows)\n\
         list page, filter Name contains:  median {:.1} ms, p95 {:.1} ms ({} rows match)\n\
         list page, filter City contains:  median {:.1} ms, p95 {:.1} ms ({} rows match)\n\
         list page, sorted by Company:     median {:.1} ms, p95 {:.1} ms\n",
        bytes as f64 / 1e6,
        status["status"],
        status["rows_bad"],
        uploaded.as_secs_f64(),
        wall.as_secs_f64(),
        ok as f64 / wall.as_secs_f64(),
        rss,
        rss_before,
        first.0,
        first.1,
        first.2,
        filtered.0,
        filtered.1,
        filtered.2,
        city.0,
        city.1,
        city.2,
        sorted.0,
        sorted.1,
    );
    print!("{report}");
    let target = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into());
    let out = std::path::Path::new(&target).join("bench");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("import.txt"), report).unwrap();
}
