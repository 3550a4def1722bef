#pragma once
// The one way the CLI writes an output file (-o): atomically for a regular file (a temporary
// beside the target, renamed into place when complete; removed on the signals that end a run),
// in place for a device or pipe, or standard output. Used by `policy batch` and `policy template`.

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <ostream>
#include <streambuf>
#include <string>
#include <vector>

#include "common.h"

namespace policy_cli {

/// The signals whose default action ends the run and that it may be sent while writing -o: they
/// remove the temporary file first. SIGPIPE: e.g. standard error piped to a reader that quit;
/// SIGQUIT: Ctrl-\; SIGUSR1, SIGUSR2, SIGALRM: sent by scripts and schedulers (timeout -s).
inline constexpr int kRemovingSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM};

/// The temporary file being written, for the signal handler (a fixed buffer: handlers may only
/// call async-signal-safe functions such as unlink).
extern char g_temporary[4096];

/// Removes g_temporary, then dies of `sig` as it would have.
extern "C" void remove_temporary_and_die(int sig);

/// An output stream over a file descriptor that remembers why a write failed (errno), which
/// std::ofstream does not say. Large writes (batch writes whole blocks of rows) go straight to
/// the descriptor.
class FdBuf : public std::streambuf {
 public:
  FdBuf() : buffer_(1 << 16) { setp(buffer_.data(), buffer_.data() + buffer_.size()); }
  ~FdBuf() override { close(); }
  FdBuf(const FdBuf&) = delete;
  FdBuf& operator=(const FdBuf&) = delete;

  /// Writes to `fd` from now on; `owned`: close it in close() (standard output is not).
  void attach(int fd, bool owned = true) {
    fd_ = fd;
    owned_ = owned;
  }
  bool is_open() const { return fd_ >= 0; }
  /// Writes what is buffered and closes the descriptor (if owned); false (and error() set) when
  /// any write or the close failed.
  bool close() {
    if (fd_ < 0) return error_ == 0;
    flush_buffer();
    if (owned_ && ::close(fd_) != 0 && error_ == 0) error_ = errno;
    fd_ = -1;
    return error_ == 0;
  }
  /// errno of the first failure, 0 when none.
  int error() const { return error_; }

 protected:
  int overflow(int ch) override {
    if (!flush_buffer()) return traits_type::eof();
    if (!traits_type::eq_int_type(ch, traits_type::eof())) {
      *pptr() = traits_type::to_char_type(ch);
      pbump(1);
    }
    return traits_type::not_eof(ch);
  }
  int sync() override { return flush_buffer() ? 0 : -1; }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    const auto room = epptr() - pptr();
    if (n <= room) {
      std::memcpy(pptr(), s, static_cast<std::size_t>(n));
      pbump(static_cast<int>(n));
      return n;
    }
    if (!flush_buffer()) return 0;
    if (n < static_cast<std::streamsize>(buffer_.size())) {
      std::memcpy(pptr(), s, static_cast<std::size_t>(n));
      pbump(static_cast<int>(n));
      return n;
    }
    return write_all(s, static_cast<std::size_t>(n)) ? n : 0;
  }

 private:
  bool write_all(const char* p, std::size_t n) {
    if (error_ != 0) return false;
    if (fd_ < 0) {
      error_ = EBADF;
      return false;
    }
    while (n > 0) {
      const ssize_t w = ::write(fd_, p, n);
      if (w < 0) {
        if (retry_io(fd_, POLLOUT)) continue;
        error_ = errno;
        return false;
      }
      p += w;
      n -= static_cast<std::size_t>(w);
    }
    return true;
  }
  bool flush_buffer() {
    const bool ok = write_all(pbase(), static_cast<std::size_t>(pptr() - pbase()));
    setp(buffer_.data(), buffer_.data() + buffer_.size());
    return ok;
  }

  std::vector<char> buffer_;
  int fd_ = -1;
  bool owned_ = true;
  int error_ = 0;
};

/// Where the results go: standard output, or -o. Standard output is written as it is, through
/// its descriptor, so that a failed write says why (std::cout does not). A regular file (or a new
/// one) given to -o is written under a temporary name beside the target and renamed into place
/// only when complete, so an interrupted run (even by Ctrl-C or SIGTERM) never leaves a partial
/// file under the final name, nor a stray copy of the roster's data (kRemovingSignals remove the
/// temporary). A symbolic link is followed: its target is replaced. An existing file keeps its
/// permissions (a private roster result stays private), and one its user may not write is
/// refused, not replaced. Anything else that exists — a device such as /dev/null, a named pipe,
/// also through a symbolic link — is opened and written in place, like a shell's `>`: renaming a
/// file onto it would destroy it.
class OutputFile {
 public:
  /// Standard output (not closed here).
  OutputFile() : in_place_(true) { buf_.attach(STDOUT_FILENO, false); }
  /// -o `path`.
  explicit OutputFile(const std::string& path) {
    struct stat existing{};
    const bool exists = ::stat(path.c_str(), &existing) == 0;  // follows symbolic links
    if (exists && !S_ISREG(existing.st_mode)) {
      in_place_ = true;
      path_ = path;
      const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
      if (fd < 0) {
        why_ = std::strerror(errno);
        return;
      }
      buf_.attach(fd);
      return;
    }
    // Replacing a file by renaming needs only the directory's permission; like cp, do not
    // replace a file its user may not write (root may: access() says so).
    if (exists && ::access(path.c_str(), W_OK) != 0) {
      why_ = errno == EACCES ? "the file is read-only (no write permission); make it writable or choose another -o"
                             : std::strerror(errno);
      return;
    }
    std::error_code ec;
    path_ = std::filesystem::is_symlink(path, ec) ? std::filesystem::canonical(path, ec).string() : path;
    if (path_.empty()) path_ = path;
    std::string tmpl = path_ + ".tmp-XXXXXX";
    const int fd = mkstemp(tmpl.data());
    if (fd < 0) {
      why_ = std::strerror(errno);
      return;
    }
    if (exists) {
      fchmod(fd, existing.st_mode & 07777);
    } else {
      // mkstemp creates the file 0600; give it the permissions any new file would get.
      const mode_t mask = umask(0);
      umask(mask);
      fchmod(fd, 0666 & ~mask);
    }
    tmp_ = tmpl;
    if (tmp_.size() < sizeof g_temporary) {
      std::memcpy(g_temporary, tmp_.c_str(), tmp_.size() + 1);
      // A signal the run was started with ignored stays ignored: under nohup, a hang-up must not
      // end the run.
      for (const int sig : kRemovingSignals) {
        struct sigaction current{};
        if (::sigaction(sig, nullptr, &current) == 0 && current.sa_handler == SIG_IGN) continue;
        ::signal(sig, remove_temporary_and_die);
      }
    }
    buf_.attach(fd);
  }
  ~OutputFile() {
    buf_.close();
    if (!committed_ && !tmp_.empty()) {
      std::error_code ec;
      std::filesystem::remove(tmp_, ec);
    }
    g_temporary[0] = '\0';
  }
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  bool ok() const { return buf_.is_open(); }
  /// The file being written until commit() renames it into place; empty for standard output and
  /// for a device or pipe written in place. A writer that needs a path (libxlsxwriter) writes it.
  const std::string& temporary() const { return tmp_; }
  /// Appends the bytes of file `path` to the output (a workbook written to a temporary file, for
  /// standard output, a device or a pipe); false, with why(), when reading or writing fails.
  bool copy_from(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      why_ = std::strerror(errno);
      return false;
    }
    std::vector<char> buffer(1 << 16);
    for (;;) {
      const ssize_t n = ::read(fd, buffer.data(), buffer.size());
      if (n < 0 && retry_io(fd, POLLIN)) continue;
      if (n < 0) why_ = std::strerror(errno);
      if (n <= 0) break;
      stream_.write(buffer.data(), n);
      if (!stream_.good()) {
        why_ = std::strerror(buf_.error() != 0 ? buf_.error() : EIO);
        ::close(fd);
        return false;
      }
    }
    ::close(fd);
    return why_.empty();
  }
  const std::string& why() const { return why_; }
  /// errno of the first failed write, 0 when none.
  int error() const { return buf_.error(); }
  std::ostream& stream() { return stream_; }
  /// Finishes the file: writes what is buffered, closes it and, unless written in place,
  /// renames it into place. False, with why(), when any of it failed.
  bool commit() {
    if (!buf_.close()) {
      why_ = std::strerror(buf_.error());
      return false;
    }
    if (in_place_) {
      committed_ = true;
      return true;
    }
    std::error_code ec;
    std::filesystem::rename(tmp_, path_, ec);
    committed_ = !ec;
    if (ec) why_ = ec.message();
    return committed_;
  }

 private:
  std::string path_, tmp_, why_;
  FdBuf buf_;
  std::ostream stream_{&buf_};
  bool in_place_ = false;
  bool committed_ = false;
};


/// The path a writer that needs one (libxlsxwriter) writes `target`'s bytes to: the temporary
/// that -o renames into place; or, for standard output, a device or a pipe, a new empty file
/// `prefix`-XXXXXX in $TMPDIR (else /tmp), also returned in `spooled`, whose bytes the caller then
/// copies with target.copy_from and removes. Empty when no temporary file can be made: `spooled`
/// then names the file tried and `why` says why (strerror).
inline std::string path_for_writer(const OutputFile& target, const std::string& prefix, std::string& spooled, std::string& why) {
  if (!target.temporary().empty()) return target.temporary();
  const char* dir = std::getenv("TMPDIR");
  spooled = std::string(dir && *dir ? dir : "/tmp") + "/" + prefix + "-XXXXXX";
  const int fd = ::mkstemp(spooled.data());
  if (fd < 0) {
    why = std::strerror(errno);
    return {};
  }
  ::close(fd);
  return spooled;
}

}  // namespace policy_cli
