//! A real SMTP server for tests: aiosmtpd (installed by `make smtp-server`) in a child process
//! on a loopback port, writing each message it accepts to a folder as JSON.

use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};

use app::digest::api::MailSecurity;
use chrono::Utc;
use server::digest::SmtpConfig;

/// aiosmtpd in a child process, writing what it accepts to a folder.
pub struct SmtpSink {
    child: Child,
    stdin: Option<ChildStdin>,
    folder: PathBuf,
    port: u16,
}

impl SmtpSink {
    pub fn start(extra: &[&str]) -> SmtpSink {
        use std::io::BufRead;
        let folder = std::env::temp_dir().join(format!(
            "cadence-smtp-{}-{}",
            std::process::id(),
            Utc::now().timestamp_nanos_opt().unwrap_or_default()
        ));
        std::fs::create_dir_all(&folder).unwrap();
        let python =
            std::env::var("CADENCE_TEST_PYTHON").unwrap_or_else(|_| "/usr/bin/python3".into());
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/smtp_sink.py");
        let mut child = Command::new(&python)
            .arg(script)
            .arg(&folder)
            .args(extra)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("start {python} {script}: {e} (run `make smtp-server`)"));
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .trim()
            .strip_prefix("PORT ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("the SMTP server did not start (is aiosmtpd installed? `make smtp-server`): {line:?}"));
        SmtpSink {
            stdin: child.stdin.take(),
            child,
            folder,
            port,
        }
    }

    pub fn config(&self, user: &str, password: &str) -> SmtpConfig {
        SmtpConfig {
            user: user.into(),
            password: password.into(),
            ..SmtpSink::config_for(self.port)
        }
    }

    /// A plain relay on this machine at `port`.
    pub fn config_for(port: u16) -> SmtpConfig {
        SmtpConfig {
            host: "127.0.0.1".into(),
            port,
            security: MailSecurity::None,
            user: String::new(),
            password: String::new(),
            from: "Cadence <digest@digest.test>".into(),
        }
    }

    /// Every message received, oldest first, as the server read it.
    pub fn messages(&self) -> Vec<Received> {
        let mut names: Vec<PathBuf> = std::fs::read_dir(&self.folder)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        names.sort();
        names
            .into_iter()
            .map(|p| serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap())
            .collect()
    }
}

/// A message as the SMTP server received and decoded it.
#[derive(Debug, serde::Deserialize)]
pub struct Received {
    pub to: String,
    pub subject: String,
    pub message_id: String,
    pub content_type: String,
    pub parts: std::collections::BTreeMap<String, String>,
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.folder);
    }
}
