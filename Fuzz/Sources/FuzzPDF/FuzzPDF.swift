import Foundation
import QuarryParsing

/// libFuzzer entry: any bytes through the PDF reader must give a document or a DocumentError.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPDF(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    _ = try? PDFReader.parse(Data(bytes: bytes, count: count))
    return 0
}
