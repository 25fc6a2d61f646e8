//! Files in and out, safely: every file the tool writes is written
//! atomically (a temporary file beside it, synced, renamed over it), a
//! directory of files is swapped in whole, and every file the tool reads is
//! read with a size limit, only if it is a regular file.
//!
//! A write that fails half-way (a full disk, a killed process) leaves the
//! previous file as it was, and removes its temporary file where it can.

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Partial results and baselines are refused above this size: a part holds
/// some 5 KB per block of 256 replications and a baseline some 25 bytes per
/// replication per indicator, so this allows runs of tens of millions of
/// replications while keeping a mistaken argument from filling memory.
pub const MAX_RESULTS_BYTES: u64 = 1 << 30;

/// A file whose content carries its own digest: the SHA-256 of its
/// compact JSON with the digest field empty (fields in declaration order,
/// floats written to round-trip, so the same content always hashes the
/// same). It catches damage and careless edits, not a forger, who can
/// recompute it.
pub trait Sealed: serde::Serialize + Clone {
    /// The digest field.
    fn digest(&self) -> &str;
    fn digest_mut(&mut self) -> &mut String;

    /// The digest of the content as it is.
    fn digest_of(&self) -> String {
        let mut unsealed = self.clone();
        unsealed.digest_mut().clear();
        match serde_json::to_vec(&unsealed) {
            Ok(bytes) => sha256(&bytes),
            // Cannot happen for these types; a digest that matches nothing.
            Err(e) => format!("unserialisable: {e}"),
        }
    }

    /// Whether the digest carried is the content's; if not, the two.
    fn verify(&self) -> Result<(), String> {
        let (carried, computed) = (self.digest(), self.digest_of());
        if carried == computed {
            Ok(())
        } else {
            Err(format!(
                "the digest it carries is {carried:?}, its content's is {computed}"
            ))
        }
    }

    /// Sets the digest to the content's. Public for tests that edit a file
    /// and must get past the digest to the checks after it.
    #[doc(hidden)]
    fn seal(&mut self) {
        let digest = self.digest_of();
        *self.digest_mut() = digest;
    }
}

/// `sha256:` and the hex SHA-256 of `bytes`: the digest parts and
/// baselines carry over their own content.
pub fn sha256(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    format!("sha256:{:x}", Sha256::digest(bytes))
}

/// Why a file could not be read.
#[derive(Debug)]
pub enum ReadError {
    /// It does not exist.
    NotFound,
    /// It exists but is a directory, device, FIFO or socket.
    NotRegular(&'static str),
    /// It is larger than the limit.
    TooLarge { limit: u64 },
    /// Any other error opening or reading it.
    Io(io::Error),
}

impl fmt::Display for ReadError {
    /// Without the file's name: the caller puts it first.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::NotFound => write!(f, "cannot read: no such file"),
            ReadError::NotRegular(kind) => {
                write!(f, "cannot read: it is a {kind}, not a regular file")
            }
            ReadError::TooLarge { limit } => write!(
                f,
                "file is larger than {}; such files are limited to that size",
                bytes(*limit)
            ),
            ReadError::Io(e) => write!(f, "cannot read: {e}"),
        }
    }
}

impl std::error::Error for ReadError {}

/// `1 MiB`, `1 GiB`, or bytes.
pub fn bytes(n: u64) -> String {
    match n {
        n if n >= 1 << 30 && n.is_multiple_of(1 << 30) => format!("{} GiB", n >> 30),
        n if n >= 1 << 20 && n.is_multiple_of(1 << 20) => format!("{} MiB", n >> 20),
        n => format!("{n} bytes"),
    }
}

fn kind_of(t: fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "FIFO";
        }
        if t.is_char_device() || t.is_block_device() {
            return "device";
        }
        if t.is_socket() {
            return "socket";
        }
    }
    if t.is_dir() {
        "directory"
    } else {
        "special file"
    }
}

/// Reads the file at `path` whole, if it is a regular file of at most
/// `max_bytes`. The type is checked on the opened handle (no race with a
/// path that changes), and a FIFO is opened without blocking, so neither
/// `/dev/zero` nor a FIFO nobody writes to can hang or exhaust the tool.
pub fn read_limited(path: &Path, max_bytes: u64) -> Result<Vec<u8>, ReadError> {
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => ReadError::NotFound,
        _ => ReadError::Io(e),
    })?;
    let meta = file.metadata().map_err(ReadError::Io)?;
    if !meta.file_type().is_file() {
        return Err(ReadError::NotRegular(kind_of(meta.file_type())));
    }
    if meta.len() > max_bytes {
        return Err(ReadError::TooLarge { limit: max_bytes });
    }
    // At most one byte more than the limit, in case the file grows.
    let mut out = Vec::with_capacity(meta.len() as usize);
    file.take(max_bytes + 1)
        .read_to_end(&mut out)
        .map_err(ReadError::Io)?;
    if out.len() as u64 > max_bytes {
        return Err(ReadError::TooLarge { limit: max_bytes });
    }
    Ok(out)
}

/// Temporary names are unique within the process too (two writes at once).
static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A hidden sibling of `path`: `.NAME.PID-N.what.tmp`.
fn sibling(path: &Path, what: &str) -> io::Result<PathBuf> {
    let name = path.file_name().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} does not name a file", path.display()),
        )
    })?;
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    Ok(path.with_file_name(format!(
        ".{}.{}-{n}.{what}.tmp",
        name.to_string_lossy(),
        std::process::id()
    )))
}

/// The directory a path is in (`.` for a bare name).
fn parent_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Syncs a directory, so a rename in it survives a crash. Where the
/// platform cannot sync a directory that is not an error.
fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        match File::open(dir).and_then(|d| d.sync_all()) {
            Err(e) if e.raw_os_error() == Some(libc::EINVAL) => Ok(()),
            other => other,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

/// Writes `bytes` to `path` atomically: see [`write_atomic_with`].
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_atomic_with(path, |w| w.write_all(bytes))
}

/// Writes what `fill` writes to `path` atomically: into a hidden temporary
/// file in the same directory, synced, then renamed over `path`. On any
/// error the temporary file is removed and `path` is as it was.
///
/// An existing `path` that is not a regular file (a directory, a device such
/// as `/dev/full`, a FIFO) is refused: renaming over it would replace the
/// device node rather than write to it. A symbolic link is followed, and
/// the file it points to replaced.
pub fn write_atomic_with(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    let target = match fs::symlink_metadata(path) {
        // A dangling link is an error here, rather than a guess.
        Ok(m) if m.file_type().is_symlink() => fs::canonicalize(path)?,
        _ => path.to_path_buf(),
    };
    match fs::metadata(&target) {
        Ok(m) if !m.is_file() => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "{} is a {}, not a regular file; give a file name",
                    path.display(),
                    kind_of(m.file_type())
                ),
            ));
        }
        _ => {}
    }
    let tmp = sibling(&target, "write")?;
    let result = (|| {
        let file = OpenOptions::new().write(true).create_new(true).open(&tmp)?;
        let mut w = io::BufWriter::new(file);
        fill(&mut w)?;
        let file = w.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        drop(file);
        fs::rename(&tmp, &target)?;
        sync_dir(parent_of(&target))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Builds a directory and puts it in place of `dir` as a whole: `build`
/// fills a hidden sibling temporary directory, which is then swapped with
/// `dir` (atomically where the platform can exchange two names, else by
/// two renames, rolled back on failure), and the old contents removed. A
/// reader of `dir` sees the old contents or the new, never a mix. On any
/// error `dir` is left as it was and the temporary directory removed.
///
/// The caller decides whether `dir`'s current contents may be replaced;
/// this only refuses a `dir` that exists and is not a directory.
pub fn replace_dir<T>(dir: &Path, build: impl FnOnce(&Path) -> io::Result<T>) -> io::Result<T> {
    match fs::symlink_metadata(dir) {
        Ok(m) if !m.is_dir() => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "{} exists and is not a directory{}",
                    dir.display(),
                    if m.file_type().is_symlink() {
                        " (a symbolic link; give the directory it points to)"
                    } else {
                        ""
                    }
                ),
            ));
        }
        _ => {}
    }
    let parent = parent_of(dir);
    fs::create_dir_all(parent)?;
    let tmp = sibling(dir, "new")?;
    fs::create_dir(&tmp)?;
    let built = build(&tmp).and_then(|t| {
        sync_tree(&tmp)?;
        Ok(t)
    });
    let value = match built {
        Ok(v) => v,
        Err(e) => {
            let _ = fs::remove_dir_all(&tmp);
            return Err(e);
        }
    };
    if let Err(e) = swap_in(&tmp, dir) {
        let _ = fs::remove_dir_all(&tmp);
        return Err(e);
    }
    sync_dir(parent)?;
    Ok(value)
}

/// Syncs every file and directory under `dir`, and `dir`.
fn sync_tree(dir: &Path) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            sync_tree(&path)?;
        } else {
            File::open(&path)?.sync_all()?;
        }
    }
    sync_dir(dir)
}

/// Puts directory `new` at `dir`, removing what was there. On error `dir`
/// is as it was and `new` is still at its name.
fn swap_in(new: &Path, dir: &Path) -> io::Result<()> {
    if fs::symlink_metadata(dir).is_err() {
        return fs::rename(new, dir);
    }
    #[cfg(target_os = "linux")]
    {
        match exchange(new, dir) {
            Ok(()) => {
                // `new` now holds the old contents.
                let _ = fs::remove_dir_all(new);
                return Ok(());
            }
            // File systems and kernels without RENAME_EXCHANGE: two renames.
            Err(e) if matches!(e.raw_os_error(), Some(libc::EINVAL | libc::ENOSYS)) => {}
            Err(e) => return Err(e),
        }
    }
    let backup = sibling(dir, "old")?;
    fs::rename(dir, &backup)?;
    if let Err(e) = fs::rename(new, dir) {
        // Roll back: the old directory returns to its name.
        let _ = fs::rename(&backup, dir);
        return Err(e);
    }
    let _ = fs::remove_dir_all(&backup);
    Ok(())
}

/// Exchanges two names atomically (Linux's `renameat2` with `RENAME_EXCHANGE`).
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let c = |p: &Path| {
        CString::new(p.as_os_str().as_bytes())
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))
    };
    let (a, b) = (c(a)?, c(b)?);
    // SAFETY: both are valid NUL-terminated paths, relative to the working directory.
    let r = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if r == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("kubenines-fsio-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    /// A writer that fails after `left` bytes, as a full disk would.
    struct FailAfter<'a> {
        inner: &'a mut dyn Write,
        left: usize,
    }

    impl Write for FailAfter<'_> {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if self.left == 0 {
                return Err(io::Error::other("injected: no space left"));
            }
            let n = buf.len().min(self.left);
            self.left -= n;
            self.inner.write(&buf[..n])
        }
        fn flush(&mut self) -> io::Result<()> {
            self.inner.flush()
        }
    }

    #[test]
    fn a_write_failing_half_way_leaves_the_old_file_and_no_temporary() {
        let dir = scratch("half");
        let path = dir.join("baseline.json");
        write_atomic(&path, b"old, good contents").unwrap();
        let new = vec![b'x'; 100_000];
        for cut in [0, 1, 8191, 8192, 50_000, 99_999] {
            let err = write_atomic_with(&path, |w| {
                FailAfter {
                    inner: w,
                    left: cut,
                }
                .write_all(&new)
            })
            .unwrap_err();
            assert!(err.to_string().contains("injected"), "{err}");
            assert_eq!(fs::read(&path).unwrap(), b"old, good contents", "cut {cut}");
            assert_eq!(names(&dir), ["baseline.json"], "cut {cut}");
        }
        write_atomic(&path, &new).unwrap();
        assert_eq!(fs::read(&path).unwrap(), new);
        assert_eq!(names(&dir), ["baseline.json"]);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn special_targets_are_refused_not_replaced() {
        let dir = scratch("special");
        let err = write_atomic(&dir, b"x").unwrap_err();
        assert!(err.to_string().contains("directory"), "{err}");
        #[cfg(unix)]
        {
            let err = write_atomic(Path::new("/dev/full"), b"x").unwrap_err();
            assert!(err.to_string().contains("device"), "{err}");
            assert!(Path::new("/dev/full").exists());
        }
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn reads_refuse_special_files_and_large_ones() {
        let dir = scratch("read");
        let file = dir.join("a.json");
        fs::write(&file, b"12345").unwrap();
        assert_eq!(read_limited(&file, 5).unwrap(), b"12345");
        assert!(matches!(
            read_limited(&file, 4),
            Err(ReadError::TooLarge { limit: 4 })
        ));
        assert!(matches!(
            read_limited(&dir, 100),
            Err(ReadError::NotRegular("directory"))
        ));
        assert!(matches!(
            read_limited(&dir.join("none"), 100),
            Err(ReadError::NotFound)
        ));
        #[cfg(unix)]
        assert!(matches!(
            read_limited(Path::new("/dev/zero"), 100),
            Err(ReadError::NotRegular("device"))
        ));
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_directory_is_replaced_whole_or_not_at_all() {
        let dir = scratch("replace");
        let out = dir.join("out");
        // Missing: created.
        replace_dir(&out, |d| fs::write(d.join("a"), "1")).unwrap();
        assert_eq!(names(&out), ["a"]);
        // Present: replaced whole, nothing of the old kept.
        replace_dir(&out, |d| fs::write(d.join("b"), "2")).unwrap();
        assert_eq!(names(&out), ["b"]);
        // A failing build leaves the old one and no temporary.
        let err = replace_dir(&out, |d| {
            fs::write(d.join("c"), "3")?;
            Err::<(), _>(io::Error::other("injected"))
        })
        .unwrap_err();
        assert!(err.to_string().contains("injected"));
        assert_eq!(names(&out), ["b"]);
        assert_eq!(names(&dir), ["out"]);
        // A file in the way is refused.
        let file = dir.join("file");
        fs::write(&file, "x").unwrap();
        assert!(replace_dir(&file, |_| Ok(())).is_err());
        assert_eq!(fs::read(&file).unwrap(), b"x");
        fs::remove_dir_all(&dir).unwrap();
    }
}
