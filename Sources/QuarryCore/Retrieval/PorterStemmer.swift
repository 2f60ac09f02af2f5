/// Porter's English stemmer (M. F. Porter, "An algorithm for suffix stripping", 1980), as in his
/// reference C implementation (which also maps "-bli" to "-ble" and "-logi" to "-log").
/// Lucene's `PorterStemFilter`, and so Anserini's BM25 baselines, use the same algorithm.
/// Input: a lower-case word; words with anything but ASCII letters, or of two letters or fewer,
/// come back unchanged.
public enum PorterStemmer {
    public static func stem(_ word: String) -> String {
        let bytes = Array(word.utf8)
        guard bytes.count > 2, bytes.allSatisfy({ $0 >= 0x61 && $0 <= 0x7A }) else { return word }
        var stemmer = Stemmer(bytes)
        stemmer.run()
        return String(decoding: stemmer.b[0...stemmer.k], as: UTF8.self)
    }

    /// The reference implementation's state: the word in `b[0...k]`, `j` marking a suffix's start.
    private struct Stemmer {
        var b: [UInt8]
        var k: Int
        var j = 0

        init(_ bytes: [UInt8]) {
            b = bytes
            k = bytes.count - 1
        }

        mutating func run() {
            step1ab()
            if k > 0 {
                step1c()
                step2()
                step3()
                step4()
                step5()
            }
        }

        func isConsonant(_ i: Int) -> Bool {
            switch b[i] {
            case UInt8(ascii: "a"), UInt8(ascii: "e"), UInt8(ascii: "i"), UInt8(ascii: "o"), UInt8(ascii: "u"): false
            case UInt8(ascii: "y"): i == 0 ? true : !isConsonant(i - 1)
            default: true
            }
        }

        /// The number of vowel-consonant sequences in `b[0...j]`.
        func measure() -> Int {
            var n = 0
            var i = 0
            while true {
                if i > j { return n }
                if !isConsonant(i) { break }
                i += 1
            }
            i += 1
            while true {
                while true {
                    if i > j { return n }
                    if isConsonant(i) { break }
                    i += 1
                }
                i += 1
                n += 1
                while true {
                    if i > j { return n }
                    if !isConsonant(i) { break }
                    i += 1
                }
                i += 1
            }
        }

        func vowelInStem() -> Bool { j >= 0 && (0...j).contains { !isConsonant($0) } }

        func doubleConsonant(_ i: Int) -> Bool { i >= 1 && b[i] == b[i - 1] && isConsonant(i) }

        /// Consonant-vowel-consonant ending at `i`, the last not w, x or y.
        func cvc(_ i: Int) -> Bool {
            guard i >= 2, isConsonant(i), !isConsonant(i - 1), isConsonant(i - 2) else { return false }
            return ![UInt8(ascii: "w"), UInt8(ascii: "x"), UInt8(ascii: "y")].contains(b[i])
        }

        mutating func ends(_ suffix: String) -> Bool {
            let s = Array(suffix.utf8)
            guard s.count <= k + 1, b[(k - s.count + 1)...k].elementsEqual(s) else { return false }
            j = k - s.count
            return true
        }

        mutating func setTo(_ replacement: String) {
            let r = Array(replacement.utf8)
            b.replaceSubrange((j + 1)..<(k + 1), with: r)
            k = j + r.count
        }

        mutating func replaceIfMeasured(_ replacement: String) {
            if measure() > 0 { setTo(replacement) }
        }

        /// Plurals and -ed or -ing.
        mutating func step1ab() {
            if b[k] == UInt8(ascii: "s") {
                if ends("sses") {
                    k -= 2
                } else if ends("ies") {
                    setTo("i")
                } else if b[k - 1] != UInt8(ascii: "s") {
                    k -= 1
                }
            }
            if ends("eed") {
                if measure() > 0 { k -= 1 }
            } else if (ends("ed") || ends("ing")) && vowelInStem() {
                k = j
                if ends("at") {
                    setTo("ate")
                } else if ends("bl") {
                    setTo("ble")
                } else if ends("iz") {
                    setTo("ize")
                } else if doubleConsonant(k) {
                    k -= 1
                    if [UInt8(ascii: "l"), UInt8(ascii: "s"), UInt8(ascii: "z")].contains(b[k]) { k += 1 }
                } else if measure() == 1 && cvc(k) {
                    setTo("e")
                }
            }
        }

        /// Terminal y to i when there is another vowel in the stem.
        mutating func step1c() {
            if ends("y") && vowelInStem() { b[k] = UInt8(ascii: "i") }
        }

        /// Double suffixes to single ones, keyed on the penultimate letter.
        mutating func step2() { replaceFirst(of: Self.step2Rules[b[k - 1]] ?? []) }

        static let step2Rules: [UInt8: [(String, String)]] = [
            UInt8(ascii: "a"): [("ational", "ate"), ("tional", "tion")],
            UInt8(ascii: "c"): [("enci", "ence"), ("anci", "ance")],
            UInt8(ascii: "e"): [("izer", "ize")],
            UInt8(ascii: "l"): [("bli", "ble"), ("alli", "al"), ("entli", "ent"), ("eli", "e"), ("ousli", "ous")],
            UInt8(ascii: "o"): [("ization", "ize"), ("ation", "ate"), ("ator", "ate")],
            UInt8(ascii: "s"): [("alism", "al"), ("iveness", "ive"), ("fulness", "ful"), ("ousness", "ous")],
            UInt8(ascii: "t"): [("aliti", "al"), ("iviti", "ive"), ("biliti", "ble")],
            UInt8(ascii: "g"): [("logi", "log")],
        ]

        /// -icate, -ful, -ness and the like, keyed on the last letter.
        mutating func step3() { replaceFirst(of: Self.step3Rules[b[k]] ?? []) }

        static let step3Rules: [UInt8: [(String, String)]] = [
            UInt8(ascii: "e"): [("icate", "ic"), ("ative", ""), ("alize", "al")],
            UInt8(ascii: "i"): [("iciti", "ic")],
            UInt8(ascii: "l"): [("ical", "ic"), ("ful", "")],
            UInt8(ascii: "s"): [("ness", "")],
        ]

        mutating func replaceFirst(of rules: [(String, String)]) {
            for (suffix, replacement) in rules where ends(suffix) {
                replaceIfMeasured(replacement)
                return
            }
        }

        /// -ant, -ence and the like, dropped when the stem's measure is over one.
        static let step4Suffixes: [UInt8: [String]] = [
            UInt8(ascii: "a"): ["al"], UInt8(ascii: "c"): ["ance", "ence"], UInt8(ascii: "e"): ["er"],
            UInt8(ascii: "i"): ["ic"], UInt8(ascii: "l"): ["able", "ible"], UInt8(ascii: "n"): ["ant", "ement", "ment", "ent"],
            UInt8(ascii: "o"): ["ion", "ou"], UInt8(ascii: "s"): ["ism"], UInt8(ascii: "t"): ["ate", "iti"],
            UInt8(ascii: "u"): ["ous"], UInt8(ascii: "v"): ["ive"], UInt8(ascii: "z"): ["ize"],
        ]

        mutating func step4() {
            for suffix in Self.step4Suffixes[b[k - 1]] ?? [] where ends(suffix) {
                // -ion only after s or t.
                if suffix == "ion" && !(j >= 0 && [UInt8(ascii: "s"), UInt8(ascii: "t")].contains(b[j])) { continue }
                if measure() > 1 { k = j }
                return
            }
        }

        /// A final -e, and -ll to -l, when the measure allows.
        mutating func step5() {
            j = k
            if b[k] == UInt8(ascii: "e") {
                let m = measure()
                if m > 1 || (m == 1 && !cvc(k - 1)) { k -= 1 }
            }
            if b[k] == UInt8(ascii: "l") && doubleConsonant(k) && measure() > 1 { k -= 1 }
        }
    }
}
