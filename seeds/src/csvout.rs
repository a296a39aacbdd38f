//! A minimal streaming CSV writer: RFC 4180 quoting, `\n` line ends, empty field = null.
//! Each file is written under `<name>.tmp` and renamed into place when complete, so a file with
//! its final name is always whole.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::calendar::{push_date, push_datetime};

pub struct CsvOut {
    out: BufWriter<File>,
    tmp: PathBuf,
    path: PathBuf,
    line: Vec<u8>,
    first_field: bool,
    rows: u64,
}

impl CsvOut {
    pub fn create(path: &Path, header: &str) -> io::Result<CsvOut> {
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".tmp");
        let tmp = PathBuf::from(tmp);
        let mut out = BufWriter::with_capacity(1 << 20, File::create(&tmp)?);
        out.write_all(header.as_bytes())?;
        out.write_all(b"\n")?;
        Ok(CsvOut {
            out,
            tmp,
            path: path.to_path_buf(),
            line: Vec::with_capacity(256),
            first_field: true,
            rows: 0,
        })
    }

    fn sep(&mut self) {
        if !self.first_field {
            self.line.push(b',');
        }
        self.first_field = false;
    }

    pub fn str(&mut self, s: &str) -> &mut Self {
        self.sep();
        if s.contains([',', '"', '\n', '\r']) {
            self.line.push(b'"');
            for b in s.bytes() {
                if b == b'"' {
                    self.line.push(b'"');
                }
                self.line.push(b);
            }
            self.line.push(b'"');
        } else {
            self.line.extend_from_slice(s.as_bytes());
        }
        self
    }

    /// A field known to need no quoting (ids, codes).
    pub fn raw(&mut self, s: &[u8]) -> &mut Self {
        self.sep();
        self.line.extend_from_slice(s);
        self
    }

    pub fn u64(&mut self, v: u64) -> &mut Self {
        self.sep();
        push_u64(&mut self.line, v);
        self
    }

    /// A number with exactly one decimal, given in tenths.
    pub fn tenths(&mut self, v: u64) -> &mut Self {
        self.sep();
        push_u64(&mut self.line, v / 10);
        self.line.push(b'.');
        self.line.push(b'0' + (v % 10) as u8);
        self
    }

    pub fn empty(&mut self) -> &mut Self {
        self.sep();
        self
    }

    pub fn datetime(&mut self, t: i64) -> &mut Self {
        self.sep();
        push_datetime(&mut self.line, t);
        self
    }

    pub fn opt_datetime(&mut self, t: Option<i64>) -> &mut Self {
        match t {
            Some(t) => self.datetime(t),
            None => self.empty(),
        }
    }

    pub fn date(&mut self, day: i64) -> &mut Self {
        self.sep();
        push_date(&mut self.line, day);
        self
    }

    /// An id `<prefix>-<city>-<year>-<seq, 7+ digits>`.
    pub fn id(&mut self, prefix: &str, city: &str, year: i64, seq: u64) -> &mut Self {
        self.sep();
        self.line.extend_from_slice(prefix.as_bytes());
        self.line.push(b'-');
        self.line.extend_from_slice(city.as_bytes());
        self.line.push(b'-');
        push_u64(&mut self.line, year as u64);
        self.line.push(b'-');
        let start = self.line.len();
        push_u64(&mut self.line, seq);
        let digits = self.line.len() - start;
        if digits < 7 {
            let pad = 7 - digits;
            self.line
                .splice(start..start, std::iter::repeat_n(b'0', pad));
        }
        self
    }

    pub fn end_row(&mut self) -> io::Result<()> {
        self.line.push(b'\n');
        self.out.write_all(&self.line)?;
        self.line.clear();
        self.first_field = true;
        self.rows += 1;
        Ok(())
    }

    /// Flushes, renames into place and returns (final path, data rows).
    pub fn finish(self) -> io::Result<(PathBuf, u64)> {
        let CsvOut {
            out,
            tmp,
            path,
            rows,
            ..
        } = self;
        let file = out.into_inner().map_err(|e| e.into_error())?;
        drop(file);
        std::fs::rename(&tmp, &path)?;
        Ok((path, rows))
    }
}

fn push_u64(out: &mut Vec<u8>, mut v: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    out.extend_from_slice(&buf[i..]);
}
