// SPDX-License-Identifier: MIT
// Reads RFC 1035 master files: directives, $INCLUDE nesting, owner and TTL defaults, one ParsedRecord per RR.
#include "sgdns/zone/master_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>

#include "common_rdata.h"
#include "logical_records.h"
#include "record_parser.h"
#include "sgdns/dns/name.h"

namespace sgdns::zone {
namespace {

using detail::LogicalRecord;
using detail::RdfPtr;
using detail::Where;

constexpr std::size_t kMaxIncludeDepth = 16;

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  [[nodiscard]] int get() const { return fd_; }

 private:
  int fd_;
};

/// load_file()'s result for a path that is not a regular file (no errno value means that).
constexpr int kNotRegular = -1;

std::string describe_error(int error) {
  return error == kNotRegular ? "not a regular file" : std::strerror(error);
}

/// Reads all of `path` into `text` and describes it in `source`. Returns 0 or an errno value; a file that
/// is not a regular file (a device, a FIFO, a socket) gives kNotRegular.
int load_file(const std::string& path, std::string& text, SourceFile& source) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below like any non-file.
  const FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
  if (fd.get() < 0) return errno;
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) return errno;
  if (S_ISDIR(info.st_mode)) return EISDIR;
  if (!S_ISREG(info.st_mode)) return kNotRegular;
  source = {path, static_cast<std::uint64_t>(info.st_size),
            static_cast<std::int64_t>(info.st_mtim.tv_sec) * 1'000'000'000 + info.st_mtim.tv_nsec};
  text.clear();
  char chunk[65536];
  for (;;) {
    const ssize_t got = ::read(fd.get(), chunk, sizeof chunk);
    if (got == 0) return 0;
    if (got < 0 && errno != EINTR) return errno;
    if (got > 0) text.append(chunk, static_cast<std::size_t>(got));
  }
}

std::string folder_of(const std::string& path) {
  const std::filesystem::path folder = std::filesystem::path(path).parent_path();
  return folder.empty() ? "." : folder.string();
}

/// The identity of a file for recursion detection: its canonical path when it can be resolved.
std::string file_identity(const std::string& path) {
  std::error_code error;
  const std::filesystem::path canonical = std::filesystem::weakly_canonical(path, error);
  return error ? path : canonical.string();
}

std::vector<std::uint8_t> wire_of(const ldns_rdf* name) {
  const std::uint8_t* data = ldns_rdf_data(name);
  return {data, data + ldns_rdf_size(name)};
}

RdfPtr parse_initial_origin(const std::string& origin, const std::string& file) {
  ldns_rdf* raw = nullptr;
  const ldns_status status = ldns_str2rdf_dname(&raw, origin.c_str());
  RdfPtr name(raw);
  if (status != LDNS_STATUS_OK) {
    throw ZoneError(file, 0, "bad origin \"" + origin + "\": " + ldns_get_errorstr_by_id(status));
  }
  return name;  // a relative origin is taken as relative to the root, which is the same wire name
}

class Reader {
 public:
  MasterFile result;

  /// Reads the text of `file`, whose $INCLUDE paths resolve against `folder`. `identity` marks the file
  /// on the include stack for recursion detection.
  void read(std::string_view text, const std::string& file, std::string folder, const std::string& identity,
            RdfPtr origin) {
    include_stack_.push_back(identity);
    std::vector<std::uint8_t> origin_wire = wire_of(origin.get());
    FileState state{file,
                    SharedName(std::make_shared<const std::string>(file)),
                    std::move(folder),
                    std::move(origin),
                    std::move(origin_wire),
                    {},
                    false};
    // About one record per line: reserving up front spares the vector's doubling, which briefly holds the
    // old and the new array (with a million records, ~80 MB each).
    const auto lines = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
    result.records.reserve(result.records.size() + lines + 1);
    detail::LogicalRecordSplitter splitter(text, file);
    while (const std::optional<LogicalRecord> record_or_end = splitter.next()) {
      const LogicalRecord& record = *record_or_end;
      const Where where{file, record.line};
      if (!record.blank_owner && record.tokens.front().starts_with('$')) {
        directive(state, record, where);
      } else {
        add_record(state, record, where);
      }
    }
    include_stack_.pop_back();
  }

  void add_source(const SourceFile& source) {
    const auto same_path = [&](const SourceFile& known) { return known.path == source.path; };
    if (std::none_of(result.sources.begin(), result.sources.end(), same_path)) {
      result.sources.push_back(source);
    }
  }

 private:
  struct FileState {
    const std::string& file;
    SharedName shared_file;  // the same name, shared by the file's records
    std::string folder;      // $INCLUDE paths resolve against it
    RdfPtr origin;
    std::vector<std::uint8_t> origin_wire;
    // For records whose line starts with whitespace (lowercase wire). An included file starts without
    // one, so a blank owner on its first record is an error rather than a silent reuse of the including
    // file's owner.
    std::vector<std::uint8_t> previous_owner;
    bool have_previous_owner;
  };

  void directive(FileState& state, const LogicalRecord& record, const Where& where) {
    const std::string& name = record.tokens.front();
    if (name == "$ORIGIN") return set_origin(state, record, where);
    if (name == "$TTL") return set_default_ttl(record, where);
    if (name == "$INCLUDE") return include(state, record, where);
    where.fail("unsupported directive " + name);
  }

  static void set_origin(FileState& state, const LogicalRecord& record, const Where& where) {
    if (record.tokens.size() != 2) where.fail("$ORIGIN takes one name");
    // A relative $ORIGIN is relative to the current one, as in BIND.
    state.origin = detail::resolve_name(record.tokens[1], state.origin.get(), where);
    state.origin_wire = wire_of(state.origin.get());
  }

  void set_default_ttl(const LogicalRecord& record, const Where& where) {
    if (record.tokens.size() != 2) where.fail("$TTL takes one TTL");
    ttl_directive_ = detail::parse_ttl(record.tokens[1], where);
  }

  void include(const FileState& state, const LogicalRecord& record, const Where& where) {
    const auto& tokens = record.tokens;
    if (tokens.size() < 2 || tokens.size() > 3) {
      where.fail("$INCLUDE takes a file name and an optional origin");
    }
    std::filesystem::path path(detail::unescape_token(tokens[1]));
    if (path.is_relative()) path = std::filesystem::path(state.folder) / path;
    const std::string file = path.lexically_normal().string();
    // RFC 1035 section 5.1: the included file starts from the given origin, else the current one. Our
    // own origin is untouched by whatever $ORIGIN the included file sets.
    RdfPtr origin = tokens.size() == 3 ? detail::resolve_name(tokens[2], state.origin.get(), where)
                                       : RdfPtr(ldns_rdf_clone(state.origin.get()));
    if (include_stack_.size() > kMaxIncludeDepth) {
      where.fail("$INCLUDE \"" + file + "\" nested deeper than " + std::to_string(kMaxIncludeDepth) +
                 " files");
    }
    const std::string identity = file_identity(file);
    if (std::find(include_stack_.begin(), include_stack_.end(), identity) != include_stack_.end()) {
      where.fail("$INCLUDE \"" + file + "\" is recursive: that file is already being read");
    }
    std::string text;
    SourceFile source;
    if (const int error = load_file(file, text, source); error != 0) {
      where.fail("cannot open $INCLUDE file \"" + file + "\": " + describe_error(error));
    }
    add_source(source);
    read(text, file, folder_of(file), identity, std::move(origin));
  }

  void add_record(FileState& state, const LogicalRecord& record, const Where& where) {
    std::size_t next = 0;
    if (!record.blank_owner) {
      const std::string& token = record.tokens[next++];
      if (!detail::plain_name(token, state.origin_wire, scratch_)) {
        scratch_ = wire_of(detail::resolve_name(token, state.origin.get(), where).get());
      }
      state.previous_owner.assign(scratch_.begin(), scratch_.end());  // both keep their buffers
      dns::name_to_lower(state.previous_owner.data(), state.previous_owner.size());
      state.have_previous_owner = true;
    } else if (!state.have_previous_owner) {
      where.fail("record starts with whitespace but there is no previous owner name in this file");
    }
    const detail::RecordHead head = detail::parse_record_head(record.tokens, next, where);
    ParsedRecord parsed;
    parsed.owner = state.previous_owner;
    parsed.type = head.type;
    parsed.rclass = LDNS_RR_CLASS_IN;
    parsed.ttl = record_ttl(head, where);
    if (!detail::parse_common_rdata(record.tokens, head, state.origin_wire, parsed.rdata)) {
      parsed.rdata = detail::parse_rdata(record.tokens, head, state.origin.get(), where);
    }
    parsed.file = state.shared_file;
    parsed.line = record.line;
    result.records.push_back(std::move(parsed));
  }

  /// $TTL if set (RFC 2308), else the last explicit TTL (RFC 1035 section 5.1).
  std::uint32_t record_ttl(const detail::RecordHead& head, const Where& where) {
    if (head.ttl) {
      last_explicit_ttl_ = head.ttl;
      return *head.ttl;
    }
    if (ttl_directive_) return *ttl_directive_;
    if (last_explicit_ttl_) return *last_explicit_ttl_;
    where.fail("no TTL: give the record a TTL or set $TTL before it");
  }

  std::vector<std::string> include_stack_;  // identities of the files being read, outermost first
  std::vector<std::uint8_t> scratch_;       // owner names are parsed here
  // TTL defaults are shared by all files: RFC 1035 restores only the origin and owner after $INCLUDE.
  std::optional<std::uint32_t> ttl_directive_;
  std::optional<std::uint32_t> last_explicit_ttl_;
};

}  // namespace

MasterFile read_master_file(const std::string& path, const std::string& origin) {
  std::string text;
  SourceFile source;
  if (const int error = load_file(path, text, source); error != 0) {
    throw ZoneError(path, 0, "cannot open: " + describe_error(error));
  }
  Reader reader;
  reader.add_source(source);
  reader.read(text, path, folder_of(path), file_identity(path), parse_initial_origin(origin, path));
  return std::move(reader.result);
}

MasterFile read_master_text(const std::string& text, const std::string& name, const std::string& origin,
                            const std::string& base_dir) {
  Reader reader;
  reader.read(text, name, base_dir, file_identity(name), parse_initial_origin(origin, name));
  return std::move(reader.result);
}

}  // namespace sgdns::zone
