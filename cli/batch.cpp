// policy batch: evaluate every row of a roster exported from Excel.
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <csignal>
#include <cerrno>
#include <cstring>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <thread>
#include <vector>

#include "batch/batch.h"
#include "batch/xlsx_reader.h"
#include "common.h"

namespace policy_cli {

namespace {

/// Exit code when some rows had errors (README).
constexpr int kExitRowErrors = 3;

/// The signals whose default action ends the run and that it may be sent while writing -o: they
/// remove the temporary file first. SIGPIPE: e.g. standard error piped to a reader that quit;
/// SIGQUIT: Ctrl-\; SIGUSR1, SIGUSR2, SIGALRM: sent by scripts and schedulers (timeout -s).
constexpr int kRemovingSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM};

/// The temporary file being written, for the signal handler (a fixed buffer: handlers may only
/// call async-signal-safe functions such as unlink).
char g_temporary[4096] = {0};

extern "C" void remove_temporary_and_die(int sig) {
  if (g_temporary[0] != '\0') ::unlink(g_temporary);
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

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

/// Whether writing to `out` would feed the roster read from `in`: the same regular file (-o would
/// replace it, as `policy batch - -o r.csv < r.csv` did; standard output appended to it, as in
/// `policy batch r.csv >> r.csv`, made the run read its own results and grow until the disk was
/// full) or the same named pipe (the run would read its own results). Not a character device: a
/// terminal may well be both.
bool feeds_roster(const struct stat& in, const struct stat& out) {
  return (S_ISREG(in.st_mode) || S_ISFIFO(in.st_mode)) && in.st_dev == out.st_dev && in.st_ino == out.st_ino;
}

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string item; std::getline(ss, item, ',');) {
    if (item.find_first_not_of(" \t") != std::string::npos) out.push_back(item);  // skip empty and blank items
  }
  return out;
}

}  // namespace

void add_batch(CLI::App& app, Action& action) {
  struct Opts {
    PackOptions pack;
    std::string roster;
    std::string as_of;
    std::string output;
    std::string format = "csv";
    std::string encoding = "auto";
    std::string output_encoding = "auto";
    std::string sheet;
    std::string outputs;
    bool excel_serial_dates = false;
    std::size_t header_row = 0;
    bool names = false;
    unsigned jobs = std::max(1u, std::thread::hardware_concurrency());
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("batch", "Evaluate every row of a CSV roster (UTF-8 or GBK, as Excel exports it)");
  cmd->footer(
      "One output row per input row, in order: the input columns, the evaluation date (评估日期), one column per\n"
      "output, the status (状态: 正常, 待补充 waiting for a fact, 错误) and a note (说明). For people by default: the\n"
      "pack's labels, 是/否, periods as 2年, windows as 2025-09-01至2025-09-30, dates ISO; --names writes the machine\n"
      "form (names, as_of, status ok/unknown/error, error, true/false, ISO periods). Without --outputs, the outputs\n"
      "the roster's columns can decide are written; the summary names the others and the columns they need. Exit 0 when every row is ok or unknown, 3 when some rows had errors, 1 when the pack\n"
      "or the header row is unusable, 2 for usage errors.\n"
      "Example:\n"
      "  policy batch examples/rosters/veterans.csv --as-of 2025-12-01 -o results.csv");
  cmd->add_option("ROSTER", o->roster, "The roster (.csv or .xlsx, told by its first bytes; or a pipe such as <(cmd)), or - for standard input")->required();
  cmd->add_option("--sheet", o->sheet, "The sheet of an .xlsx roster to read, by the name on its tab (default: the first)");
  cmd->add_option("-o,--output", o->output, "Write here instead of standard output (- is standard output): a file atomically (a temporary renamed into place when complete); a device or named pipe in place");
  cmd->add_option("--format", o->format, "csv or jsonl")->check(CLI::IsMember({"csv", "jsonl"}));
  cmd->add_option("--encoding", o->encoding, "auto, utf-8 or gb18030 (GBK files are GB18030)")
      ->check(CLI::IsMember({"auto", "utf-8", "gb18030", "gbk"}));
  cmd->add_option("--output-encoding", o->output_encoding, "auto (UTF-8 with a BOM, so that Excel opens it right), utf-8 (no BOM), utf-8-bom or gb18030 (no BOM) (CSV only: JSON Lines output is always UTF-8 without a BOM; utf-8-bom is ignored there)")
      ->check(CLI::IsMember({"auto", "utf-8", "utf-8-bom", "gb18030"}));
  cmd->add_flag("--excel-serial-dates", o->excel_serial_dates, "Read bare numbers in date columns as Excel 1900-system serial dates");
  cmd->add_option("--jobs", o->jobs, "Threads evaluating rows (default: the number of cores), the one reading and writing included (it evaluates once its reading and writing is done); the output does not depend on it")
      ->check(CLI::Range(1u, 256u));
  cmd->add_option("--outputs", o->outputs, "Comma-separated outputs to write, by name or label (default: every output but guidance text whose facts all have a column in the roster); status is computed over these");
  cmd->add_flag("--names", o->names, "CSV in the machine form, for programs: output names as headers, as_of, status (ok, unknown, error) and error columns, enum value names, true/false, ISO 8601 periods, windows [a .. b] (JSON Lines always is)");
  cmd->add_option("--header-row", o->header_row,
                  "The row holding the header (as the spreadsheet numbers it); the rows above it are title rows, kept "
                  "in a CSV result (default: row 1, or the first of the next 10 rows that names a fact when row 1 names none)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1000000}));
  cmd->add_option("--as-of", o->as_of, "Evaluation date YYYY-MM-DD (default: today in the policy time zone)");
  o->pack.add_to(*cmd);
  cmd->callback([o, cmd, &action] {
    // An empty value is most likely an unset shell variable (-o "$OUT"): never a silent default.
    if (cmd->count("--output") > 0 && o->output.empty()) {
      throw CLI::ValidationError("-o", "the output file name is empty (use -o - for standard output)");
    }
    if (cmd->count("--outputs") > 0 && split_commas(o->outputs).empty()) {
      throw CLI::ValidationError("--outputs", "names no output (give output names separated by commas)");
    }
    // JSON text is UTF-8 (RFC 8259): GB18030 bytes in JSON Lines would be read as broken UTF-8.
    // (A BOM is never written before JSON either: rules/batch drops it for jsonl.)
    if (o->format == "jsonl" && o->output_encoding == "gb18030") {
      throw CLI::ValidationError("--output-encoding gb18030",
                                 "JSON Lines output is always UTF-8; use --format csv for a GB18030 file");
    }
    action = [o] {
      if (o->output == "-") o->output.clear();  // -o - is standard output, as for the roster
      auto engine = load_engine(o->pack, std::cerr);
      if (!engine) return kExitInputError;
      const auto as_of = as_of_date(o->as_of, *engine, std::cerr);
      if (!as_of) return kExitInputError;
      rules::batch::BatchOptions options;
      options.as_of = *as_of;
      options.jobs = o->jobs;
      options.excel_serial_dates = o->excel_serial_dates;
      options.header_row = o->header_row;
      options.lang = lang();
      options.format = o->format == "jsonl" ? rules::batch::OutputFormat::jsonl : rules::batch::OutputFormat::csv;
      options.encoding = o->encoding == "utf-8" ? rules::batch::Encoding::utf8
                         : (o->encoding == "gb18030" || o->encoding == "gbk") ? rules::batch::Encoding::gb18030
                                                                             : rules::batch::Encoding::automatic;
      options.output_encoding = o->output_encoding == "utf-8"       ? rules::batch::OutputEncoding::utf8
                                : o->output_encoding == "utf-8-bom" ? rules::batch::OutputEncoding::utf8_bom
                                : o->output_encoding == "gb18030"   ? rules::batch::OutputEncoding::gb18030
                                                                    : rules::batch::OutputEncoding::automatic;
      options.outputs = split_commas(o->outputs);
      options.names = o->names;

      // The name diagnostics give the roster, as run_batch is told it.
      const std::string name = o->roster == "-" ? "<stdin>" : o->roster;
      InputFile roster;
      if (!roster.open(o->roster)) {
        print_file_error(std::cerr, name, "batch_io", "cannot read the roster: " + roster.why(),
                         "无法读取名单：" + roster.why());
        return kExitInputError;
      }
      std::unique_ptr<OutputFile> target;
      if (o->output.empty()) {
        struct stat destination{};
        if (::fstat(STDOUT_FILENO, &destination) == 0 && feeds_roster(roster.status(), destination)) {
          print_file_error(std::cerr, "standard output", "batch_io",
                           "standard output is the roster being read, so the run would read its own results; write "
                           "elsewhere (-o FILE)",
                           "标准输出就是正在读取的名单，运行会读到自己的结果；请写到别处（-o 文件）");
          return kExitInputError;
        }
        target = std::make_unique<OutputFile>();
      } else {
        struct stat destination{};
        if (::stat(o->output.c_str(), &destination) == 0 && feeds_roster(roster.status(), destination)) {  // follows links
          print_file_error(std::cerr, o->output, "batch_io",
                           S_ISFIFO(destination.st_mode) ? "the output is the pipe the roster is read from, so the run "
                                                           "would read its own results; choose another -o"
                                                         : "the output would replace the roster it is read from; choose "
                                                           "another -o",
                           S_ISFIFO(destination.st_mode) ? "输出就是读取名单的管道，运行会读到自己的结果；请换一个 -o"
                                                         : "输出会覆盖正在读取的名单；请换一个 -o");
          return kExitInputError;
        }
        std::error_code ec;
        if (std::filesystem::is_directory(o->output, ec)) {
          print_file_error(std::cerr, o->output, "batch_io", "is a directory; -o takes a file name", "这是一个目录；-o 需要文件名");
          return kExitInputError;
        }
        target = std::make_unique<OutputFile>(o->output);
        if (!target->ok()) {
          print_file_error(std::cerr, o->output, "batch_io", "cannot write the output file: " + target->why(),
                           "无法写入输出文件：" + target->why());
          return kExitInputError;
        }
      }
      const std::string output_name = o->output.empty() ? "standard output" : o->output;

      const bool tty = isatty(STDERR_FILENO) != 0;
      const auto start = std::chrono::steady_clock::now();
      auto last = start;
      // The ETA comes from the bytes read against the file's size (unknown for a pipe or terminal).
      const std::uint64_t total_bytes =
          S_ISREG(roster.status().st_mode) ? static_cast<std::uint64_t>(roster.status().st_size) : 0;
      const auto progress = [&](std::size_t rows, std::uint64_t bytes) {
        if (!tty) return;
        const auto now = std::chrono::steady_clock::now();
        if (now - last < std::chrono::milliseconds(200)) return;
        last = now;
        const double secs = std::chrono::duration<double>(now - start).count();
        std::fprintf(stderr, "\r%zu rows, %.0f rows/s", rows, secs > 0 ? static_cast<double>(rows) / secs : 0.0);
        if (total_bytes > 0 && bytes > 0 && bytes <= total_bytes) {
          std::fprintf(stderr, ", ETA %.0f s", secs * static_cast<double>(total_bytes - bytes) / static_cast<double>(bytes));
        }
        std::fprintf(stderr, "   ");
      };
      std::istream in(&roster);
      // A workbook is told by its first bytes, whatever the file's name (a roster piped in, or
      // misnamed .csv): .xlsx is read by XlsxReader; .xls and .ods are refused by RosterReader,
      // which says how to save them.
      std::unique_ptr<rules::batch::RecordSource> source;
      std::string workbook;  // the bytes of a workbook that is no regular file (libzip seeks)
      if (rules::batch::workbook_kind(roster.peek()) == rules::batch::WorkbookKind::xlsx) {
        rules::batch::XlsxOptions xlsx;
        xlsx.sheet = o->sheet;
        if (o->roster != "-" && S_ISREG(roster.status().st_mode)) {
          source = rules::batch::XlsxReader::open_file(o->roster, xlsx);
        } else {
          constexpr std::size_t kMaxPiped = std::size_t{1} << 30;
          try {
            std::vector<char> block(std::size_t{1} << 20);
            for (std::streamsize n; (n = roster.sgetn(block.data(), static_cast<std::streamsize>(block.size()))) > 0;) {
              workbook.append(block.data(), static_cast<std::size_t>(n));
              if (workbook.size() > kMaxPiped) {
                print_file_error(std::cerr, name, "xlsx_too_large", "a workbook on standard input or a pipe may hold at most 1 GiB",
                                 "从标准输入或管道给出的工作簿最多 1 GiB");
                return kExitInputError;
              }
            }
          } catch (const std::system_error& e) {
            print_file_error(std::cerr, name, "batch_io", "cannot read the roster: " + e.code().message(),
                             "无法读取名单：" + e.code().message());
            return kExitInputError;
          }
          source = rules::batch::XlsxReader::open_memory(workbook, xlsx);
        }
      } else {
        if (!o->sheet.empty()) {
          print_file_error(std::cerr, name, "batch_bad_header", "--sheet names a sheet of an .xlsx workbook, and the roster is none",
                           "--sheet 指定的是 .xlsx 工作簿中的工作表，而名单不是工作簿");
          return kExitUsage;
        }
        source = std::make_unique<rules::batch::RosterReader>(in, options.encoding);
      }
      auto result = rules::batch::run_batch(*engine, *source, name, target->stream(), options, progress);
      if (tty) std::fprintf(stderr, "\r%60s\r", "");
      if (auto* diags = std::get_if<std::vector<rules::source::Diagnostic>>(&result)) {
        // rules/batch does not know where its stream goes and names it <output>: say where, and
        // why the write failed.
        for (auto& d : *diags) {
          if (d.span.file != "<output>") continue;
          d.span.file = output_name;
          if (target->error() != 0) {
            d.message += std::string(": ") + std::strerror(target->error());
            d.message_zh += std::string("：") + std::strerror(target->error());
          }
        }
        print_diagnostics(*diags, std::cerr);
        // An output name the pack lacks is a mistake in the command, not in the roster.
        const bool usage = std::any_of(diags->begin(), diags->end(),
                                       [](const auto& d) { return d.code == "batch_unknown_output"; });
        return usage ? kExitUsage : kExitInputError;
      }
      const auto& summary = std::get<rules::batch::BatchSummary>(result);
      if (!target->commit()) {
        print_file_error(std::cerr, output_name, "batch_io", "the output could not be written: " + target->why(),
                         "结果未能写入：" + target->why());
        return kExitInputError;
      }
      const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      std::cerr << rules::batch::summary_text(summary, *engine, lang(), secs);
      return summary.error > 0 ? kExitRowErrors : kExitOk;
    };
  });
}

}  // namespace policy_cli
