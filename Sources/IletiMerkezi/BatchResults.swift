extension BlacklistClient {
    /// What ``BlacklistClient/check(_:detail:concurrency:)`` found: which of the numbers asked about are listed.
    public struct CheckResult: Sendable, Hashable {
        /// The listed numbers, as `+905XXXXXXXXX`, in the order first asked about, each once
        /// however many forms it was given in.
        public let listed: [String]
        /// The inputs that are not Turkish mobile numbers, as given, in input order, repeats included.
        public let invalid: [String]
        /// One answer per input, at the input's index.
        public let memberships: [Membership]
        /// With `detail`, each listed number's entry, in the order of ``listed``; otherwise empty.
        public let entries: [Entry]

        /// Creates a result.
        public init(listed: [String], invalid: [String], memberships: [Membership], entries: [Entry] = []) {
            self.listed = listed
            self.invalid = invalid
            self.memberships = memberships
            self.entries = entries
        }
    }

    /// Whether one input of a check is on the list.
    public enum Membership: Sendable, Hashable {
        /// Listed: do not send to it. The number is `+905XXXXXXXXX`.
        case listed(String)
        /// Valid and not listed: it may be sent to. The number is `+905XXXXXXXXX`.
        case notListed(String)
        /// Not a Turkish mobile number.
        case invalid
    }

    /// What ``BlacklistClient/add(contentsOf:reason:until:concurrency:progress:)`` did with one input.
    ///
    /// A number given more than once in one call, in any forms, has one outcome at every place.
    public enum AddOutcome: Sendable, Hashable {
        /// Not listed before, listed now.
        case added
        /// Listed already; its original time is kept. Only Engel's batch method tells this apart:
        /// through the one-number method (the live API) a listed number is reported ``added``.
        case alreadyListed
        /// Not a Turkish mobile number (466): nothing was done.
        case invalid
    }

    /// What ``BlacklistClient/remove(contentsOf:reason:concurrency:progress:)`` did with one input.
    ///
    /// A number given more than once in one call, in any forms, has one outcome at every place.
    public enum RemoveOutcome: Sendable, Hashable {
        /// Listed before, not listed now.
        case removed
        /// Not on the list (474 from the one-number method).
        case notListed
        /// Not a Turkish mobile number (466): nothing was done.
        case invalid
    }
}
