import COpenBLAS
import Testing

@Suite("OpenBLAS through CBLAS")
struct OpenBLASTests {
    @Test("sgemm multiplies a 2x3 by a 3x2 matrix")
    func matrixProduct() {
        let a: [Float] = [1, 2, 3, 4, 5, 6]  // 2x3, row-major
        let b: [Float] = [7, 8, 9, 10, 11, 12]  // 3x2
        var c = [Float](repeating: 0, count: 4)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 2, 2, 3, 1, a, 3, b, 2, 0, &c, 2)
        #expect(c == [58, 64, 139, 154])
    }

    @Test("sdot and snrm2 agree with hand arithmetic")
    func vectorKernels() {
        let x: [Float] = [3, 4]
        #expect(cblas_sdot(2, x, 1, x, 1) == 25)
        #expect(cblas_snrm2(2, x, 1) == 5)
    }
}
