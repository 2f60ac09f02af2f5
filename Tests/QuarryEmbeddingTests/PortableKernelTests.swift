import Foundation
import QuarryTestSupport
import Testing

/// The kernels off x86: every C file of CKernels compiled for aarch64 Linux (Debian's
/// libc6-dev-arm64-cross as the sysroot, installed by scripts/bootstrap) with warnings as errors.
/// No x86 intrinsic or CPU probe may reach that compile, and only the portable level may be in it.
/// (The portable level's results are checked on this host with QUARRY_KERNELS=portable: the whole
/// suite runs once so, scripts/test.)
@Suite("kernels on other CPUs")
struct PortableKernelTests {
    static let sysroot = "/usr/aarch64-linux-gnu/include"

    @Test("CKernels compiles for aarch64 with -Werror, holding the portable kernels and none of the x86 ones")
    func aarch64() throws {
        #expect(FileManager.default.fileExists(atPath: Self.sysroot), "missing \(Self.sysroot): run scripts/bootstrap (make test does)")
        let sources = repositoryRoot.appendingPathComponent("Sources/CKernels")
        let files = try FileManager.default.contentsOfDirectory(atPath: sources.path).filter { $0.hasSuffix(".c") }.sorted()
        #expect(files.count >= 5, "\(files)")
        var symbols = ""
        // -O2 as the package builds them; -O0 keeps every static function's symbol for the check below.
        for file in files {
            for optimisation in ["-O2", "-O0"] {
                let object = FileManager.default.temporaryDirectory.appendingPathComponent("aarch64-\(UUID().uuidString)-\(file).o")
                defer { try? FileManager.default.removeItem(at: object) }
                _ = try run("/usr/bin/env", [
                    "clang", "--target=aarch64-linux-gnu", "-isystem", Self.sysroot, optimisation, "-Wall", "-Wextra", "-Werror",
                    "-I", sources.appendingPathComponent("include").path, "-I", sources.path, "-c", sources.appendingPathComponent(file).path,
                    "-o", object.path,
                ])
                let bytes = try Data(contentsOf: object)
                // ELF e_machine (bytes 18–19, little-endian): 183 is AArch64.
                #expect(bytes.count > 20 && bytes[18] == 183 && bytes[19] == 0, "\(file) is not an aarch64 object")
                if optimisation == "-O0" { symbols += String(decoding: bytes, as: UTF8.self) }
            }
        }
        for portable in ["linear_portable", "attention_portable", "dot_rows_int8_portable", "distances_portable", "quarry_kernels_allowed"] {
            #expect(symbols.contains(portable), "\(portable) missing")
        }
        for x86 in ["linear_avx512", "linear_avx2", "dot_rows_int8_vnni", "distances_vpopcnt", "select_rows_avx512"] {
            #expect(!symbols.contains(x86), "\(x86) compiled for aarch64")
        }
    }
}
