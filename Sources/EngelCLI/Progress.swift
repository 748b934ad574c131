import EngelCore
import Foundation
import Synchronization

/// How progress is shown on stderr.
enum ProgressStyle: Sendable, Equatable {
    /// A bar redrawn in place, for a terminal.
    case bar
    /// A plain line every `interval`, for logs and pipes.
    case lines(every: Duration)
    /// Nothing.
    case silent
}

/// The text of a progress report, kept apart from timing so it can be tested.
enum ProgressFormat {
    /// `adding [#########-----------]  4500/10000  45%  812/s  ETA 0:07`
    static func bar(label: String, done: Int, total: Int, elapsed: Duration, width: Int = 24) -> String {
        let fraction = total > 0 ? min(1, Double(done) / Double(total)) : 1
        let filled = Int((fraction * Double(width)).rounded(.down))
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        return "\(label) [\(bar)] \(summary(done: done, total: total, elapsed: elapsed))"
    }

    /// `adding: 4500/10000  45%  812/s  ETA 0:07`
    static func line(label: String, done: Int, total: Int, elapsed: Duration) -> String {
        "\(label): \(summary(done: done, total: total, elapsed: elapsed))"
    }

    static func summary(done: Int, total: Int, elapsed: Duration) -> String {
        let percent = total > 0 ? done * 100 / total : 100
        let seconds = elapsed.seconds
        let rate = seconds > 0 ? Double(done) / seconds : 0
        var text = "\(done)/\(total)  \(percent)%  \(Int(rate.rounded()))/s"
        if done < total {
            text += "  ETA " + (rate > 0 ? clock(Double(total - done) / rate) : "?")
        } else {
            text += "  in " + clock(seconds)
        }
        return text
    }

    /// `m:ss`, or `h:mm:ss` from an hour on.
    static func clock(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded(.up))
        let (hours, minutes, secs) = (whole / 3600, whole / 60 % 60, whole % 60)
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return hours > 0 ? "\(hours):\(two(minutes)):\(two(secs))" : "\(minutes):\(two(secs))"
    }
}

/// Counts finished items and shows the count on stderr as `style` says.
final class ProgressReporter: Sendable {
    private struct State {
        var done = 0
        var ticker: Task<Void, Never>?
    }

    let label: String
    let total: Int
    let style: ProgressStyle
    private let output: any TextOutput
    private let clock = ContinuousClock()
    private let start: ContinuousClock.Instant
    private let state = Mutex(State())

    init(label: String, total: Int, style: ProgressStyle, output: any TextOutput) {
        self.label = label
        self.total = total
        self.style = style
        self.output = output
        start = clock.now
    }

    /// Starts the periodic redraw.
    func begin() {
        let interval: Duration
        switch style {
        case .bar: interval = .milliseconds(200)
        case .lines(let every): interval = every
        case .silent: return
        }
        let task = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                guard let self, !Task.isCancelled else { return }
                self.draw()
            }
        }
        state.withLock { $0.ticker = task }
    }

    /// Records one finished item.
    func advance(by count: Int = 1) {
        state.withLock { $0.done += count }
    }

    /// Stops the redraw and shows the final count.
    func finish() {
        let ticker = state.withLock { state in
            defer { state.ticker = nil }
            return state.ticker
        }
        ticker?.cancel()
        if style != .silent {
            draw()
            if style == .bar { output.write("\n") }
        }
    }

    private func draw() {
        let done = state.withLock { $0.done }
        let elapsed = clock.now - start
        switch style {
        case .bar:
            // Clear to the end of the line: the new text may be shorter than the last.
            output.write(
                "\r" + ProgressFormat.bar(label: label, done: done, total: total, elapsed: elapsed) + "\u{1B}[K")
        case .lines:
            output.write(ProgressFormat.line(label: label, done: done, total: total, elapsed: elapsed) + "\n")
        case .silent:
            break
        }
    }
}
