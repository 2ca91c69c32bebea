import Foundation

/// A seeded random generator (SplitMix64) for tests that draw random inputs, so that a failure can be
/// replayed: put `seedDescription` in the `#expect` message, and rerun with `FEEDD_TEST_SEED=<seed>`.
///
/// Without `FEEDD_TEST_SEED` (decimal or `0x` hexadecimal) every run draws a fresh seed, so the runs
/// together cover more inputs than one fixed seed would.
package struct SeededRandom: RandomNumberGenerator, Sendable {
    /// The seed this generator started from.
    package let seed: UInt64
    private var state: UInt64

    /// A generator seeded from `FEEDD_TEST_SEED`, or from the system's generator when it is not set.
    package init() {
        self.init(seed: Self.environmentSeed() ?? UInt64.random(in: .min ... .max))
    }

    package init(seed: UInt64) {
        self.seed = seed
        state = seed
    }

    /// "seed 0x…; replay with FEEDD_TEST_SEED=0x…", for failure messages.
    package var seedDescription: String {
        let hex = "0x" + String(seed, radix: 16)
        return "seed \(hex); replay with FEEDD_TEST_SEED=\(hex)"
    }

    package mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    static func environmentSeed() -> UInt64? {
        guard let text = ProcessInfo.processInfo.environment["FEEDD_TEST_SEED"] else { return nil }
        if text.hasPrefix("0x") || text.hasPrefix("0X") { return UInt64(text.dropFirst(2), radix: 16) }
        return UInt64(text)
    }
}
