#pragma once
/// Chinese resident identity numbers (居民身份证号码, GB 11643-1999 "公民身份号码"): checking,
/// normalising and masking, with explicit diagnoses of the damage Excel does to them.
///
/// Layout of the 18 characters: digits 1-6 the region code, digits 7-14 the birth date YYYYMMDD,
/// digits 15-17 the sequence code, character 18 the check character (a digit or X) computed by
/// ISO 7064 MOD 11-2 over the first 17 digits.
///
/// Privacy: no message made here contains a whole number; numbers appear only through
/// `mask_resident_id`, and a message never reveals the masked digits by other means.

#include <string>
#include <string_view>

#include "source/lang.h"

namespace rules::model {

/// The outcome of `check_resident_id`.
struct IdCheckResult {
  bool ok = false;          ///< the number is well-formed, its check character right, its birth date real
  std::string normalized;   ///< when ok: the 18 characters with a lowercase check 'x' made 'X'
  std::string error;        ///< when not ok: why, naming the number only in masked form
};

/// Checks `text` (no trimming) as a resident identity number of GB 11643-1999: 17 ASCII digits
/// and a check character (digit, 'X' or 'x') that equals the ISO 7064 MOD 11-2 check character of
/// the 17 digits; digits 7-14 must be a date that exists with a year of 1800 or later. Also read:
/// - a leading apostrophe ('110101…), Excel's prefix that makes a cell text, is dropped;
/// - 15 ASCII digits, a first-generation number (GB 11643-1989 form: region, YYMMDD, sequence),
///   are converted to the 18-character number as GB 11643-1999 prescribes: "19" inserted before
///   the two-digit year and the check character computed (`resident_id_from_15`); its birth date
///   must exist.
/// Errors, in the order they are looked for:
/// - Excel scientific notation ("1.10101E+17"): the column was stored as numbers; say to format it
///   as text and export again;
/// - 15 digits whose birth date (19YYMMDD) does not exist;
/// - a length other than 18 characters (counted as Unicode code points);
/// - a character that is not a digit (or, in place 18, not a digit or X), naming its place;
/// - 18 digits ending in "000" whose check fails: the last digits were lost to Excel's 15
///   significant digits;
/// - an impossible birth date (the message names the reason, e.g. "February 1990 has 28 days",
///   but not the whole date);
/// - a wrong check character, naming the expected one.
/// Every message starts with the masked number in quotes and is written in `lang` (简体中文 or
/// English).
IdCheckResult check_resident_id(std::string_view text, source::Lang lang = source::Lang::en);

/// The same check without a result object, for the per-row path: on success returns true and
/// assigns the normalized 18 characters to `normalized` (which allocates only while its capacity
/// is below 18, so a reused buffer never does); `normalized` equals `text` exactly when the text
/// was already in normal form (18 characters, an upper-case X). On failure returns false, sets
/// `error` as above and leaves `normalized` unspecified.
bool check_resident_id(std::string_view text, std::string& normalized, std::string& error,
                       source::Lang lang = source::Lang::en);

/// The 18-character number of a first-generation 15-digit number `first15` (6 digits region,
/// YYMMDD birth date, 3 digits sequence), by GB 11643-1999: "19" inserted before the year and the
/// ISO 7064 MOD 11-2 check character appended; assigned to `out`. False (and `out` unspecified)
/// when `first15` is not 15 ASCII digits. Does not check the birth date.
bool resident_id_from_15(std::string_view first15, std::string& out);

/// The ISO 7064 MOD 11-2 check character ('0'..'9' or 'X') of `first17`, which must be exactly 17
/// ASCII digits; '\0' otherwise. Weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2; the sum of digit ×
/// weight modulo 11 selects from "10X98765432" (GB 11643-1999, 7.2).
char resident_id_check_char(std::string_view first17);

/// `text` with its middle masked by '*', for messages and logs: 15 or more characters (Unicode
/// code points, each masked one becoming one '*') keep the first 6 and last 4
/// ("110101********1234"); 4 to 14 keep the first 3 ("1.1********" for "1.10101E+17"); 1 to 3
/// are masked entirely. Invalid UTF-8 bytes count as one character each.
std::string mask_resident_id(std::string_view text);

/// `text` with every run that may be an ID number masked by `mask_resident_id`: 15 or more ASCII
/// digits in a row, with an X or x right after them, not counting digits already masked. For
/// messages that quote text a person sent as a whole (a request's JSON, a date that is not one),
/// where the ID number may be anywhere in it. Text without such a run is returned unchanged.
std::string mask_resident_ids_in(std::string_view text);

}  // namespace rules::model
