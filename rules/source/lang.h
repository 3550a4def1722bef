#pragma once
/// The language people read an answer or a message in. Chinese is the first language of every
/// surface; English stays available (`--lang en`). Programs read the JSON contracts, which do
/// not change with the language.

#include <cstdint>
#include <optional>
#include <string_view>

namespace rules::source {

/// A language of people's text: `zh` (简体中文, the default) or `en`.
enum class Lang : std::uint8_t { zh, en };

/// The language named by `text`: `zh`, `zh-CN`, `zh-Hans` → zh; `en`, `en-US`, `en-GB` → en
/// (the part before `-` or `_` decides, in any ASCII letter case). nullopt for anything else.
inline std::optional<Lang> parse_lang(std::string_view text) {
  const auto cut = text.find_first_of("-_");
  const auto base = text.substr(0, cut);
  const auto is = [&](std::string_view w) {
    if (base.size() != w.size()) return false;
    for (std::size_t i = 0; i < w.size(); ++i) {
      char c = base[i];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      if (c != w[i]) return false;
    }
    return true;
  };
  if (is("zh")) return Lang::zh;
  if (is("en")) return Lang::en;
  return std::nullopt;
}

/// `zh` in Chinese, `en` in English: the one switch of bilingual text.
inline const char* pick(Lang lang, const char* zh, const char* en) { return lang == Lang::zh ? zh : en; }

}  // namespace rules::source
