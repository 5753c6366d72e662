// mutator.h: the source-level mutator behind xabi-mutate (docs/machine-mutants.md).
//
//   auto sites = xabi::mutation::find_sites(text, xabi::mutation::Lang::cxx);
//   std::string mutant = xabi::mutation::apply(text, sites[3]);
//
// Works on tokens, not on a syntax tree: comments, string and character
// literals and preprocessor lines are never mutated, nor any line that holds
// XABI_MUTANT (the hand-written mutants' injection points), static_assert or
// assert (compiled out of the shipped host). A site is one token range and the
// text that replaces it; ids number the sites in source order, so they are
// stable for a given file. Heuristics (which `<` opens a template, which `*`
// is a multiplication) err on the side of fewer sites; a mutant that still
// does not compile is the driver's "stillborn".
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace xabi::mutation {

enum class Lang { c, cxx };

enum class Op {
  relational,  // < <=, > >=, == != (each to the other)
  arithmetic,  // binary + -, += -=, * /, << >>
  logical,     // && ||, !x -> x
  boolean,     // true false
  constant,    // integer literal: 0 -> 1, 1 -> 0, N -> N+1
  condition,   // if (c) / while (c) -> if (!(c))
  return_value,  // return e; -> return {}; (C: return 0;)
  call_deletion,  // f(...); -> ;
};

std::string_view op_name(Op op);

struct Site {
  int id = 0;
  int line = 0;    // 1-based, of the first replaced character
  int column = 0;  // 1-based, in bytes
  Op op = Op::relational;
  std::size_t begin = 0, end = 0;  // replaced byte range [begin, end)
  std::string original, replacement;
};

// C for .c files; for .h files C unless the text uses C++ (namespace, class,
// template, ::); C++ otherwise.
Lang guess_language(std::string_view path, std::string_view text);

std::vector<Site> find_sites(std::string_view text, Lang lang);

std::string apply(std::string_view text, const Site& site);

// A deterministic order of (file index, site id) pairs: sites sorted by a
// hash of seed, file name and id, so a prefix is a sample spread over files
// in proportion to their sites, the same on every machine.
std::uint64_t sample_key(std::uint64_t seed, std::string_view file, int id);

}  // namespace xabi::mutation
