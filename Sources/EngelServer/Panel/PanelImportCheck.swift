import EngelCore
import EngelWire

/// What checking an uploaded CSV file found: the numbers to block, each once, in the order they
/// first appear, and the lines that will not be imported.
///
/// The file is read as `engel import` reads one (``NumberFile``): one number per line, or CSV
/// whose number column is headed `number`, `numara`, `phone`, … (else the first column); blank
/// lines, `#` comments and a header line are skipped.
struct PanelImportCheck: Sendable {
    /// At most this many problems are kept for the report; the rest are only counted, so a file of
    /// garbage makes a page of bounded size.
    static let shownProblems = 1_000
    /// A problem line's input is shown up to this many characters, then `…`.
    static let shownInputCharacters = 80

    /// The distinct numbers, in file order.
    let numbers: [PhoneNumber]
    /// Lines that are not numbers.
    let invalid: Int
    /// Lines repeating an earlier line's number.
    let duplicates: Int
    /// The first ``shownProblems`` problems, in line order.
    let problems: [PanelImportReportPage.Problem]
    /// Problems found beyond ``problems``.
    let problemsNotShown: Int

    /// Whether the file held no line to import or report.
    var isEmpty: Bool { numbers.isEmpty && invalid == 0 && duplicates == 0 }

    /// Checks `text`, reading numbers with `parser`.
    init(text: String, parser: PhoneNumberParser) {
        var numbers: [PhoneNumber] = []
        var firstLine: [PhoneNumber: Int] = [:]
        var invalid = 0
        var duplicates = 0
        var problems: [PanelImportReportPage.Problem] = []
        var problemsNotShown = 0
        func report(_ line: NumberLine, _ kind: PanelImportReportPage.Problem.Kind) {
            guard problems.count < Self.shownProblems else {
                problemsNotShown += 1
                return
            }
            problems.append(.init(line: line.line, input: Self.shown(line.text), kind: kind))
        }
        for line in NumberFile.parse(text) {
            guard let number = parser.number(from: line.text) else {
                invalid += 1
                report(line, .notANumber)
                continue
            }
            if let earlier = firstLine[number] {
                duplicates += 1
                report(line, .duplicate(ofLine: earlier))
                continue
            }
            firstLine[number] = line.line
            numbers.append(number)
        }
        self.numbers = numbers
        self.invalid = invalid
        self.duplicates = duplicates
        self.problems = problems
        self.problemsNotShown = problemsNotShown
    }

    /// `input` cut to ``shownInputCharacters``.
    private static func shown(_ input: String) -> String {
        input.count > shownInputCharacters ? String(input.prefix(shownInputCharacters)) + "…" : input
    }
}
