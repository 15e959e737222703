// Reading the tab-separated case tables of the math tests (math_cases.tsv, recall_cases.tsv,
// equivalence_cases.tsv): one row per case, blank lines and "# " comment lines skipped ("####"
// starts a case), a trailing tab an empty last cell, a CRLF line end tolerated.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace rbench::testing {

struct TableRow {
  int line = 0;  // 1-based, for messages
  std::vector<std::string> cells;
};

struct CaseTable {
  std::vector<TableRow> rows;
  bool opened = false;
};

// "<NL>" in a cell stands for a newline where `expand_newlines` is set.
inline CaseTable read_case_table(const std::string& path, bool expand_newlines) {
  CaseTable t;
  std::ifstream in(path);
  t.opened = static_cast<bool>(in);
  int line_no = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line.starts_with("# ")) continue;
    TableRow row{line_no, {}};
    std::stringstream cells(line);
    for (std::string cell; std::getline(cells, cell, '\t');) {
      while (expand_newlines && cell.find("<NL>") != std::string::npos) {
        cell.replace(cell.find("<NL>"), 4, "\n");
      }
      row.cells.push_back(std::move(cell));
    }
    if (line.back() == '\t') row.cells.emplace_back();
    t.rows.push_back(std::move(row));
  }
  return t;
}

// The rows of tests/scorers/math/NAME ("<NL>" expanded), failing the test when it cannot be read.
inline std::vector<TableRow> math_table_rows(const std::string& name) {
  const std::string path = std::string(RBENCH_SOURCE_DIR) + "/tests/scorers/math/" + name;
  CaseTable table = read_case_table(path, /*expand_newlines=*/true);
  EXPECT_TRUE(table.opened) << "cannot open " << path;
  return std::move(table.rows);
}

}  // namespace rbench::testing
