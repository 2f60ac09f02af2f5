/// Elements appended once and never changed, shared by every snapshot of the embedded index that
/// sees a prefix of them: a snapshot keeps the buffer and its own count, and reads no further.
///
/// Appending writes past every published count, so it never touches what a reader reads, and
/// costs no copy while the capacity lasts; past it, the elements move to a buffer of twice the
/// size (amortised constant per element) and the old one lives on while a snapshot holds it.
/// Only the index's writer (under its lock) appends; readers get the buffer by a snapshot
/// published after the append, which orders the writes before their reads.
final class RowBuffer<Element>: @unchecked Sendable {
    let base: UnsafeMutablePointer<Element>
    let capacity: Int
    /// Elements initialised: the writer's count, at least every snapshot's.
    private(set) var count = 0

    init(capacity: Int) {
        self.capacity = max(capacity, 16)
        base = UnsafeMutablePointer<Element>.allocate(capacity: self.capacity)
    }

    deinit {
        base.deinitialize(count: count)
        base.deallocate()
    }

    /// This buffer with `elements` appended, or a larger copy with them when they do not fit.
    func appending<C: Collection<Element>>(_ elements: C) -> RowBuffer<Element> {
        let target = count + elements.count <= capacity ? self : grown(toHold: count + elements.count)
        var position = target.base + target.count
        for element in elements {
            position.initialize(to: element)
            position += 1
        }
        target.count += elements.count
        return target
    }

    /// This buffer with `count` copies of `element` appended (zeroed room for blocks of rows).
    func appending(repeating element: Element, count added: Int) -> RowBuffer<Element> {
        appending(repeatElement(element, count: added))
    }

    private func grown(toHold needed: Int) -> RowBuffer<Element> {
        let larger = RowBuffer(capacity: max(needed, capacity * 2))
        larger.base.initialize(from: base, count: count)
        larger.count = count
        return larger
    }

    subscript(index: Int) -> Element { base[index] }

    /// Elements [lower, upper): the writer's own rows, to copy when compacting.
    func slice(_ range: Range<Int>) -> UnsafeBufferPointer<Element> { UnsafeBufferPointer(start: base + range.lowerBound, count: range.count) }
}
