// Markdown escaping: the one place that turns untrusted text (statement
// text, probe, host and source names, labels, alert annotations, anything
// that came from data) into Markdown that renders as exactly that text.
//
// Why: reports are pasted into chat, which renders Markdown. Unescaped, a
// statement such as "[x](javascript:alert(1))" or "<img src=x onerror=..>"
// becomes a link or raw HTML in everybody's client.
//
// Contract (CommonMark 0.30, plus GFM tables and autolinks):
//  * MarkdownText: every ASCII punctuation character gets a backslash (the
//    spec allows escaping any of them, and escaping all of them means no
//    inline or block construct can start: no links, images, autolinks,
//    raw HTML, entities, emphasis, code spans, headings, lists, quotes;
//    GFM's bare-URL autolinks need an unescaped ':' or "www."); line
//    endings (CR, LF) become a space, so text cannot start a new block or
//    leave a table row. A table cell needs nothing more (`|` is escaped).
//  * MarkdownCode: a code span whose fence is one backtick longer than the
//    longest backtick run inside, padded with a space on both sides (which
//    CommonMark strips), so the content is literal whatever it holds; line
//    endings become spaces and `|` becomes `\|`, which GFM tables need even
//    inside code spans (in plain CommonMark the backslash then shows).
//  * MarkdownCodeLine: for text on a line of an indented code block (the
//    sparklines): only line endings become spaces — a code block shows
//    everything else literally, and a backslash there would show.
// All three take bytes as they are; invalid UTF-8 is the renderer's
// business (CommonMark replaces it), never a way out of the escaping.
#pragma once

#include <string>
#include <string_view>

namespace scout::collector::reports {

std::string MarkdownText(std::string_view text);
std::string MarkdownCode(std::string_view text);
std::string MarkdownCodeLine(std::string_view text);

}  // namespace scout::collector::reports
