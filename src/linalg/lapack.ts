// Row-major wrappers around the OpenBLAS routines the project uses, bound through koffi (src/linalg/blas.ts
// decides whether they run). LAPACK's Fortran interface is column-major: a row-major symmetric matrix is the
// same array, and a row-major lower triangle is a column-major upper triangle, so no copies are needed
// except where noted. Fortran CHARACTER arguments get their hidden length (size_t 1) appended.
// Typed arrays are passed to koffi as raw pointers (no copy); every wrapper checks its sizes first.
import * as koffi from 'koffi';

const RowMajor = 101;
const NoTrans = 111;
const Trans = 112;
const Upper = 121;
const Lower = 122;
const NonUnit = 131;
const Left = 141;

type Fn = (...args: unknown[]) => unknown;

/** The bound routines (row-major arguments); see each method. */
export interface Lapack {
  /** Eigen-decomposition of the symmetric n×n row-major A (upper triangle read) by dsyevd: values ascending; Q row-major, column j = eigenvector j. Returns info (0 = ok). */
  syevd(A: ArrayLike<number>, n: number): { values: Float64Array; Q: Float64Array; info: number };
  /** In place: the lower triangle of row-major L (n×n) becomes its Cholesky factor (dpotrf); returns info (0 ok, k > 0: pivot k−1 failed). The strict upper triangle is left as it was. */
  potrfLower(L: Float64Array, n: number): number;
  /** In place: X (r×n row-major) ← X (L Lᵀ)⁻¹ for the row-major lower Cholesky factor L (dpotrs). */
  potrsRows(L: Float64Array, X: Float64Array, r: number, n: number): number;
  /** In place: B (n×m row-major) ← op(L)⁻¹ B with L lower triangular n×n (dtrsm, left side); trans selects Lᵀ. */
  trsmLeftLower(L: Float64Array, B: Float64Array, n: number, m: number, trans: boolean): void;
  /** C (m×n) = alpha·op(A) op(B) + beta·C, row-major float64 (dgemm); op(A) is m×k. */
  dgemm(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    A: Float64Array,
    B: Float64Array,
    beta: number,
    C: Float64Array,
  ): void;
  /** C (m×n) = alpha·op(A) op(B) + beta·C, row-major float32 (sgemm). */
  sgemm(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    A: Float32Array,
    B: Float32Array,
    beta: number,
    C: Float32Array,
  ): void;
  /**
   * sgemm on sub-matrices: C (m×n, row stride ldc) = alpha·op(A) op(B) + beta·C with row strides lda, ldb, each
   * array starting at the sub-matrix's first element (pass a subarray). Row-major float32.
   */
  sgemmStrided(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    A: Float32Array,
    lda: number,
    B: Float32Array,
    ldb: number,
    beta: number,
    C: Float32Array,
    ldc: number,
  ): void;
  /** Upper triangle (row-major) of C (n×n) = alpha·Aᵀ A + beta·C for A k×n row-major (dsyrk); the strict lower triangle is not written. */
  dsyrkAtA(n: number, k: number, alpha: number, A: Float64Array, beta: number, C: Float64Array): void;
  /** Same for float32 (ssyrk). */
  ssyrkAtA(n: number, k: number, alpha: number, A: Float32Array, beta: number, C: Float32Array): void;
  corename(): string | null;
  config(): string | null;
  threads(): number | null;
  /** openblas_set_num_threads (process-wide); false when the library has no such call. */
  setThreads(n: number): boolean;
}

function need(M: { length: number }, len: number, what: string): void {
  if (M.length < len) throw new RangeError(`lapack: ${what} has ${M.length} entries, needs ${len}`);
}

/** Load `path` with koffi and bind the routines; throws when the library or a symbol is missing. */
export function bindLapack(path: string): Lapack {
  const lib = koffi.load(path);
  const f = (decl: string): Fn => lib.func(decl) as Fn;
  const dsyevd = f(
    'void dsyevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda, double *w, double *work, const int *lwork, int *iwork, const int *liwork, int *info, size_t l1, size_t l2)',
  );
  const dpotrf = f('void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info, size_t l1)');
  const dpotrs = f(
    'void dpotrs_(const char *uplo, const int *n, const int *nrhs, const double *a, const int *lda, double *b, const int *ldb, int *info, size_t l1)',
  );
  const dtrsm = f(
    'void cblas_dtrsm(int order, int side, int uplo, int transA, int diag, int m, int n, double alpha, const double *A, int lda, double *B, int ldb)',
  );
  const dgemm = f(
    'void cblas_dgemm(int order, int transA, int transB, int m, int n, int k, double alpha, const double *A, int lda, const double *B, int ldb, double beta, double *C, int ldc)',
  );
  const sgemm = f(
    'void cblas_sgemm(int order, int transA, int transB, int m, int n, int k, float alpha, const float *A, int lda, const float *B, int ldb, float beta, float *C, int ldc)',
  );
  const dsyrk = f('void cblas_dsyrk(int order, int uplo, int trans, int n, int k, double alpha, const double *A, int lda, double beta, double *C, int ldc)');
  const ssyrk = f('void cblas_ssyrk(int order, int uplo, int trans, int n, int k, float alpha, const float *A, int lda, float beta, float *C, int ldc)');
  const optional = (decl: string): Fn | null => {
    try {
      return f(decl);
    } catch {
      return null;
    }
  };
  const getCorename = optional('const char *openblas_get_corename()');
  const getConfig = optional('const char *openblas_get_config()');
  const getThreads = optional('int openblas_get_num_threads()');
  const setThreads = optional('void openblas_set_num_threads(int n)');
  const i32 = (v: number): Int32Array => Int32Array.of(v);
  /** The dense row-major binding of cblas_dgemm or cblas_sgemm (`name` for the length errors). */
  const denseGemm =
    <T extends Float32Array | Float64Array>(gemm: Fn, name: string) =>
    (tA: boolean, tB: boolean, m: number, n: number, k: number, alpha: number, A: T, B: T, beta: number, C: T): void => {
      need(A, m * k, `${name}: A`);
      need(B, k * n, `${name}: B`);
      need(C, m * n, `${name}: C`);
      gemm(
        RowMajor,
        tA ? Trans : NoTrans,
        tB ? Trans : NoTrans,
        m,
        n,
        k,
        alpha,
        A,
        Math.max(1, tA ? m : k),
        B,
        Math.max(1, tB ? k : n),
        beta,
        C,
        Math.max(1, n),
      );
    };
  /** The Aᵀ A binding of cblas_dsyrk or cblas_ssyrk (upper triangle of C written). */
  const syrkAtA =
    <T extends Float32Array | Float64Array>(syrk: Fn, name: string) =>
    (n: number, k: number, alpha: number, A: T, beta: number, C: T): void => {
      need(A, k * n, `${name}: A`);
      need(C, n * n, `${name}: C`);
      syrk(RowMajor, Upper, Trans, n, k, alpha, A, Math.max(1, n), beta, C, Math.max(1, n));
    };

  return {
    syevd(A, n) {
      need(A, n * n, 'syevd: A');
      if (n === 0) return { values: new Float64Array(0), Q: new Float64Array(0), info: 0 };
      // A row-major with its upper triangle read = column-major with its lower triangle read ('L').
      const a = Float64Array.from(A as ArrayLike<number>);
      const w = new Float64Array(Math.max(1, n));
      const info = i32(0);
      const lda = i32(Math.max(1, n));
      const wq = new Float64Array(1);
      const iq = i32(0);
      dsyevd('V', 'L', i32(n), a, lda, w, wq, i32(-1), iq, i32(-1), info, 1, 1); // workspace query
      if (info[0] !== 0) return { values: w, Q: a, info: info[0] };
      const work = new Float64Array(Math.max(1, Math.ceil(wq[0])));
      const iwork = new Int32Array(Math.max(1, iq[0]));
      dsyevd('V', 'L', i32(n), a, lda, w, work, i32(work.length), iwork, i32(iwork.length), info, 1, 1);
      // a is column-major Z (column j = eigenvector j), i.e. row-major Zᵀ: transpose to row-major Q.
      const Q = new Float64Array(n * n);
      const b = 64;
      for (let i0 = 0; i0 < n; i0 += b) {
        for (let j0 = 0; j0 < n; j0 += b) {
          const i1 = Math.min(n, i0 + b);
          const j1 = Math.min(n, j0 + b);
          for (let j = j0; j < j1; j++) {
            const aj = j * n;
            for (let i = i0; i < i1; i++) Q[i * n + j] = a[aj + i];
          }
        }
      }
      return { values: w, Q, info: info[0] };
    },
    potrfLower(L, n) {
      need(L, n * n, 'potrfLower: L');
      const info = i32(0);
      dpotrf('U', i32(n), L, i32(Math.max(1, n)), info, 1); // row-major lower = column-major upper
      return info[0];
    },
    potrsRows(L, X, r, n) {
      need(L, n * n, 'potrsRows: L');
      need(X, r * n, 'potrsRows: X');
      // X r×n row-major is Xᵀ n×r column-major; (X A⁻¹)ᵀ = A⁻¹ Xᵀ: a left solve with r right-hand sides.
      const info = i32(0);
      dpotrs('U', i32(n), i32(r), L, i32(Math.max(1, n)), X, i32(Math.max(1, n)), info, 1);
      return info[0];
    },
    trsmLeftLower(L, B, n, m, trans) {
      need(L, n * n, 'trsmLeftLower: L');
      need(B, n * m, 'trsmLeftLower: B');
      dtrsm(RowMajor, Left, Lower, trans ? Trans : NoTrans, NonUnit, n, m, 1, L, Math.max(1, n), B, Math.max(1, m));
    },
    dgemm: denseGemm<Float64Array>(dgemm, 'dgemm'),
    sgemm: denseGemm<Float32Array>(sgemm, 'sgemm'),
    sgemmStrided(tA, tB, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc) {
      const [ar, ac] = tA ? [k, m] : [m, k];
      const [br, bc] = tB ? [n, k] : [k, n];
      if (lda < ac || ldb < bc || ldc < n)
        throw new RangeError(`lapack: sgemmStrided leading dimensions ${lda}, ${ldb}, ${ldc} below the row lengths ${ac}, ${bc}, ${n}`);
      if (ar > 0) need(A, (ar - 1) * lda + ac, 'sgemmStrided: A');
      if (br > 0) need(B, (br - 1) * ldb + bc, 'sgemmStrided: B');
      if (m > 0) need(C, (m - 1) * ldc + n, 'sgemmStrided: C');
      sgemm(RowMajor, tA ? Trans : NoTrans, tB ? Trans : NoTrans, m, n, k, alpha, A, Math.max(1, lda), B, Math.max(1, ldb), beta, C, Math.max(1, ldc));
    },
    dsyrkAtA: syrkAtA<Float64Array>(dsyrk, 'dsyrkAtA'),
    ssyrkAtA: syrkAtA<Float32Array>(ssyrk, 'ssyrkAtA'),
    corename: () => (getCorename ? String(getCorename()).trim() : null),
    config: () => (getConfig ? String(getConfig()).trim() : null),
    threads: () => (getThreads ? Number(getThreads()) : null),
    setThreads: (n) => {
      if (!setThreads) return false;
      setThreads(n);
      return true;
    },
  };
}
