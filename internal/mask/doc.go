// Package mask finds personal data in free text and replaces it, so that a
// journal entry can be read, logged or shown to an analyst without the
// names of its channels: "I'm furious at jane@example.com" becomes "I'm
// furious at <EMAIL_ADDRESS>". The words and the emotion stay; only the
// identifiers go. It replaces the Security Guide's DataMasking, which
// starred every word (destroying what the text says), pseudonymised with
// bare SHA-256 (reversible by guessing) and crashed on short or non-ASCII
// input. Where the Guide's starred view is wanted (what analysts read by
// default), Anonymize applies it after detection, keeping the tags.
//
// # Entities
//
// Seven types, named as in Microsoft Presidio: EMAIL_ADDRESS,
// PHONE_NUMBER, CREDIT_CARD, US_SSN, IBAN_CODE, IP_ADDRESS and URL. Each
// has its own scanner that proposes candidates and a validator that must
// accept them; nothing is matched by shape alone when a checksum or a
// numbering plan can decide:
//
//   - Email: local@domain with at least two domain labels and an
//     alphabetic top-level label, so "react@18.2.0", "@handles" and
//     "user@localhost" are not addresses. Internationalised local parts
//     and domains are accepted; quoted local parts are not looked for.
//   - Phone: candidates are digit runs with single spaces, dots, hyphens or
//     slashes, an optional leading '+' and an area code in parentheses;
//     libphonenumber (github.com/nyaruka/phonenumbers) must find them
//     valid. Numbers with +CC or an international prefix (00, 011) are
//     valid for any country. Others are tried in the national formats of
//     the regions given by WithPhoneRegions (default US/CA, GB, DE, FR,
//     IN, AU, BR, JP); the national prefix must be present where the
//     country requires it, and the digits must be grouped as people write
//     numbers there (libphonenumber's format, or area code plus groups of
//     three or more, or a short prefix and a long block). That grouping
//     rule is what keeps dates, year ranges, ISBNs and tracking numbers out
//     even when their digits happen to form a valid number somewhere. A
//     run with no separators at all is only taken after a word like
//     "call", "phone", "text" or "my number is"; a word like "order",
//     "invoice", "tracking" or "ISBN" just before any candidate rules it
//     out. An extension written after the number ("x12", "ext. 45",
//     ", extension 7", "#123", ";ext=99": 1 to 7 digits) is masked with
//     it. Seven-digit local numbers without an area code, emergency and
//     short codes, vanity numbers and Brazilian carrier codes are not
//     recognised.
//   - Payment card: 13 to 19 digits, unbroken or grouped with one kind of
//     separator, passing Luhn, with the issuer prefix and length of a
//     major network (Visa, Mastercard, Amex, Discover, Diners, JCB,
//     UnionPay, Maestro, Mir, RuPay, Troy). A Luhn-valid number with such a
//     prefix is taken whatever the words around it say: one in ten random
//     16-digit ids starting with 4 passes, and masking an order id is the
//     cheaper mistake.
//   - US SSN: "AAA-GG-SSSS" on its own; "AAA GG SSSS" or nine bare digits
//     only after "SSN", "social security" or similar. Numbers the SSA never
//     issues (area 000, 666, 900-999; group 00; serial 0000) are skipped.
//   - IBAN: a known country code, the country's exact length (SWIFT
//     registry), upper-case, unbroken or in groups of four, ISO 7064
//     mod-97 = 1. Lower-case or irregularly spaced IBANs are not looked
//     for.
//   - IP: IPv4 and IPv6 as parsed by net/netip (no leading zeros, no
//     zones). A dotted run with other than four parts ("10.0.0.1.5",
//     "Go 1.22.5"), one glued to a word ("v1.2.3.4") or one after a word
//     such as "version", "build" or "firmware" is not an address.
//   - URL: http://, https:// or www. (any case), to the next space or
//     character that cannot appear in a URL; trailing punctuation and
//     unbalanced closing brackets are left to the sentence. Bare domains
//     ("reddit.com") are not matched: they are too easily file names.
//
// # Overlaps
//
// Candidates of different types may overlap (an email address inside a
// URL's query, an IP address as a URL's host, a digit run inside an IBAN).
// Detect keeps the longest candidate of each overlapping group; between
// candidates of equal length the type listed first in AllTypes wins; then
// the leftmost. So a URL keeps the email address or IP address it
// contains, and the masked text shows "<URL>". The result is sorted and
// never overlaps.
//
// # Offsets
//
// Entity offsets count code points (runes) of the input, End exclusive, as
// the JSON of "samo mask --json" and most non-Go consumers expect. A byte
// that is not valid UTF-8 counts as one code point, as when ranging over a
// Go string; the samo mask command refuses such input instead.
//
// # Pseudonyms
//
// Pseudonym returns "psn_" and the first 128 bits of HMAC-SHA256 under a
// server key of at least 32 bytes, in hex: stable for joining records,
// useless to anyone who would hash a list of guessed addresses, which is
// all bare SHA-256 offers. 128 bits keep collisions out of reach for any
// realistic number of values.
//
// Callers mask a prediction's text with Masker.Mask; the package has no
// separate helpers for a bare email address or phone number.
//
// # Accuracy and cost
//
// testdata/corpus holds several hundred labelled journal- and forum-style
// sentences (several countries' phone formats, and look-alikes: invalid
// Luhn numbers, version strings, order ids, dates, times, prices, ISBNs,
// tracking numbers); TestAccuracy requires precision and recall of at
// least 0.95 for every type by exact span, and prints them with -v. The
// file holdout.txt was written after the detector and never used to tune
// it. Confirming phone candidates with libphonenumber is by far the most
// expensive step, so cheap checks run first: candidate shape, context
// words, dates, possible number lengths per region, and candidates lying
// inside a span that wins among the other detectors' are skipped (one
// inside a span that loses, say an email address inside a longer URL, is
// still confirmed and masked).
//
// A Masker holds only configuration fixed by NewMasker and is safe for
// concurrent use.
package mask
