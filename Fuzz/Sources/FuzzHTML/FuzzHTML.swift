import Foundation
import QuarryParsing

/// libFuzzer entry: any bytes through encoding detection and the HTML reader.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTML(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    _ = try? HTMLReader.parse(Data(bytes: bytes, count: count))
    return 0
}
