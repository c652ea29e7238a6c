// LuceneBench: the Lucene 8 peer of bench/peers/peers.py (issue 10's anchor).
//
//   lucene.sh version
//   lucene.sh index --corpus CORPUS.jsonl --index DIR [--stem NAME]
//   lucene.sh query --index DIR --group KIND=QUERIES.tsv [--group ...]
//                   [--k 10,1000] [--modes or,and] [--passes N] [--warmup N]
//                   [--warmup-queries N] [--stem NAME] [--run DIR] [--no-ids]
//
// index: one document per JSON line (id, title, body or else text, as
// nindex reads them); one indexed field "text" = title, blank line, body
// (as the FTS5 peer), analysed by EnglishAnalyzer (StandardTokenizer,
// English possessive, lowercase, Lucene's 33 English stop words with their
// position gaps kept, Porter stemmer); id, title and body stored (nindex's
// docstore keeps the text).  BM25 with k1 = 1.2, b = 0.75.  One thread,
// default RAM buffer, LogByteSizeMergePolicy (merges adjacent segments only,
// so Lucene doc i is the corpus's line i), then forceMerge(1): one segment,
// the shape nindex writes.  Timed from opening the file to the closed index,
// JSON parsing (the small parser below) included.
//
// query: for each group (a query file of one kind, written by peers.py),
// mode and k: untimed warm-up passes, at least --warmup (default 3) and at
// least --warmup-queries queries in all (default 10000: the JIT compiles the
// hot paths even for a short log), then --passes timed ones; each query timed alone (System.nanoTime)
// from its text to its top k with every hit's stored id loaded: the classic
// QueryParser (default operator OR or AND by mode; "phrases" with the
// analyzer's position gaps, so a stop word inside a phrase keeps its gap;
// +required, -excluded, AND/OR/NOT, prefix*), IndexSearcher.search(query, k),
// then IndexSearcher.doc(hit, {"id"}) per hit (--no-ids: not loaded).
// p50_us, p99_us, mean_us, qps: the whole; rank_p50_us, rank_p99_us,
// rank_mean_us: parse + search only (the top k as doc numbers and scores,
// what peers.py's FTS5 and Xapian figures and "nsearch rank" time).  Loading
// the ids costs most of a short query (a stored-fields chunk, with the titles
// and bodies stored beside the ids, is decompressed per hit).  The
// query cache is off (a repeated log would otherwise be answered from cached
// MUST_NOT filters; nsearch caches nothing).  The JSON lines carry the same
// members as peers.py's, with engine "lucene".
//
// Checks before printing: the index holds as many documents as were read;
// every timed pass returns the same ranked lists as the warm-up, each sorted by
// score, without duplicates, at most k long (topk_crc32 over the 1-based doc
// numbers, as peers.py computes it).  Exit 0 ok, 2 usage, 4 check or I/O failure.

import java.io.*;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.util.*;
import java.util.zip.CRC32;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.document.*;
import org.apache.lucene.index.*;
import org.apache.lucene.queryparser.classic.ParseException;
import org.apache.lucene.queryparser.classic.QueryParser;
import org.apache.lucene.search.*;
import org.apache.lucene.search.similarities.BM25Similarity;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.Version;

public final class LuceneBench {
    static final float K1 = 1.2f, B = 0.75f;

    static final class Fail extends Exception {
        Fail(String m) { super(m); }
    }

    public static void main(String[] argv) {
        try {
            if (argv.length == 0) usage();
            Map<String, List<String>> opt = parseArgs(argv);
            switch (argv[0]) {
                case "version": System.out.println(Version.LATEST); break;
                case "index": index(opt); break;
                case "query": query(opt); break;
                default: usage();
            }
        } catch (Fail | IOException e) {
            System.err.println("lucene: " + e.getMessage());
            System.exit(4);
        }
    }

    static void usage() {
        System.err.println("usage: LuceneBench version | index --corpus FILE --index DIR [--stem NAME] | "
                + "query --index DIR --group KIND=FILE... [--k 10,1000] [--modes or,and] [--passes N] "
                + "[--warmup N] [--stem NAME] [--run DIR] [--no-ids]");
        System.exit(2);
    }

    static Map<String, List<String>> parseArgs(String[] a) {
        Map<String, List<String>> m = new HashMap<>();
        for (int i = 1; i < a.length; i++) {
            if (!a[i].startsWith("--")) usage();
            String k = a[i].substring(2);
            if (k.equals("no-ids")) { m.put(k, List.of("1")); continue; }
            if (i + 1 >= a.length) usage();
            m.computeIfAbsent(k, x -> new ArrayList<>()).add(a[++i]);
        }
        return m;
    }

    static String one(Map<String, List<String>> m, String k, String dflt) {
        List<String> v = m.get(k);
        if (v == null) {
            if (dflt == null) usage();
            return dflt;
        }
        return v.get(v.size() - 1);
    }

    static Analyzer analyzer() { return new EnglishAnalyzer(); }

    // ------------------------------------------------------------ index

    static void index(Map<String, List<String>> opt) throws IOException, Fail {
        String corpus = one(opt, "corpus", null);
        Path dir = Paths.get(one(opt, "index", null));
        String stem = one(opt, "stem", "corpus");
        double load = loadavg();
        long c0 = cpuNanos();
        long t0 = System.nanoTime();
        IndexWriterConfig cfg = new IndexWriterConfig(analyzer());
        cfg.setOpenMode(IndexWriterConfig.OpenMode.CREATE);
        cfg.setSimilarity(new BM25Similarity(K1, B));
        cfg.setMergePolicy(new LogByteSizeMergePolicy());
        long docs = 0, bytes = 0, skipped = 0;
        try (FSDirectory d = FSDirectory.open(dir); IndexWriter w = new IndexWriter(d, cfg);
             InputStream in = openCorpus(corpus)) {
            LineReader lr = new LineReader(in);
            byte[] line;
            long lineNo = 0;
            while ((line = lr.next()) != null) {
                lineNo++;
                bytes += lr.lastLength;
                String s = new String(line, StandardCharsets.UTF_8);
                if (s.isBlank()) continue;
                Object v;
                try {
                    v = new Json(s).parseTop();
                } catch (IllegalArgumentException e) {
                    skipped++;
                    continue;
                }
                if (!(v instanceof Map)) { skipped++; continue; }
                Map<?, ?> o = (Map<?, ?>) v;
                Object id = o.get("id");
                String ids = id instanceof String ? (String) id
                        : id instanceof Json.Num ? ((Json.Num) id).text : Long.toString(lineNo);
                Object t = o.get("title");
                Object b = o.containsKey("body") ? o.get("body") : o.get("text");
                String title = t instanceof String ? (String) t : "";
                String body = b instanceof String ? (String) b : "";
                Document doc = new Document();
                doc.add(new StoredField("id", ids));
                doc.add(new StoredField("title", title));
                doc.add(new StoredField("body", body));
                doc.add(new TextField("text", title + "\n\n" + body, Field.Store.NO));
                w.addDocument(doc);
                docs++;
            }
            w.commit();
            long t1 = System.nanoTime();
            w.forceMerge(1);
            w.close();
            long t2 = System.nanoTime();
            long n;
            try (DirectoryReader r = DirectoryReader.open(d)) {
                n = r.numDocs();
                if (r.leaves().size() != 1) throw new Fail("index has " + r.leaves().size() + " segments, not 1");
            }
            if (n != docs) throw new Fail("index holds " + n + " documents, " + docs + " were read");
            double secs = (t2 - t0) / 1e9;
            Jo j = new Jo().s("bench", "index").s("engine", "lucene").s("corpus", stem)
                    .s("corpus_path", new File(corpus).getAbsolutePath()).n("docs", docs).n("input_bytes", bytes)
                    .n("skipped_lines", skipped).d("seconds", secs, 3).d("cpu_seconds", (cpuNanos() - c0) / 1e9, 3)
                    .d("mb_per_s", bytes / 1e6 / secs, 3).d("docs_per_s", docs / secs, 1)
                    .n("index_bytes", dirBytes(dir)).d("load_seconds", (t1 - t0) / 1e9, 3)
                    .d("optimize_seconds", (t2 - t1) / 1e9, 3).d("loadavg_1m", load, 2)
                    .s("engine_version", "Lucene " + Version.LATEST).s("java", System.getProperty("java.version"));
            System.out.println(j);
        }
    }

    static InputStream openCorpus(String path) throws IOException {
        if (path.endsWith(".zst")) {
            Process p = new ProcessBuilder("zstd", "-dc", "--", path)
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            return new BufferedInputStream(p.getInputStream(), 1 << 20);
        }
        return new BufferedInputStream(new FileInputStream(path), 1 << 20);
    }

    /** Lines as bytes (without the newline); lastLength counts the newline too. */
    static final class LineReader {
        final InputStream in;
        long lastLength;
        byte[] buf = new byte[1 << 16];

        LineReader(InputStream in) { this.in = in; }

        byte[] next() throws IOException {
            int n = 0, c;
            lastLength = 0;
            while ((c = in.read()) >= 0) {
                lastLength++;
                if (c == '\n') return Arrays.copyOf(buf, n);
                if (n == buf.length) buf = Arrays.copyOf(buf, n * 2);
                buf[n++] = (byte) c;
            }
            return lastLength == 0 ? null : Arrays.copyOf(buf, n);
        }
    }

    static long dirBytes(Path dir) throws IOException {
        long t = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) if (Files.isRegularFile(p)) t += Files.size(p);
        }
        return t;
    }

    // ------------------------------------------------------------ query

    static final class Q {
        final String qid, text;
        Q(String qid, String text) { this.qid = qid; this.text = text; }
    }

    static List<Q> readQueries(String path) throws IOException {
        List<Q> out = new ArrayList<>();
        int lineNo = 0;
        for (String line : Files.readAllLines(Paths.get(path), StandardCharsets.UTF_8)) {
            lineNo++;
            int tab = line.indexOf('\t');
            out.add(tab < 0 ? new Q(Integer.toString(lineNo), line) : new Q(line.substring(0, tab), line.substring(tab + 1)));
        }
        return out;
    }

    static final class Hits {
        final int[] seq;
        final float[] score;
        final String[] id;
        Hits(int n) { seq = new int[n]; score = new float[n]; id = new String[n]; }
    }

    static void query(Map<String, List<String>> opt) throws IOException, Fail {
        Path dir = Paths.get(one(opt, "index", null));
        String stem = one(opt, "stem", "corpus");
        List<String> groups = opt.get("group");
        if (groups == null) usage();
        int[] ks = Arrays.stream(one(opt, "k", "10,1000").split(",")).mapToInt(Integer::parseInt).toArray();
        String[] modes = one(opt, "modes", "or,and").split(",");
        int passes = Integer.parseInt(one(opt, "passes", "1"));
        int warmup = Math.max(1, Integer.parseInt(one(opt, "warmup", "3")));
        long warmupQueries = Long.parseLong(one(opt, "warmup-queries", "10000"));
        String runDir = one(opt, "run", "");
        boolean loadIds = !opt.containsKey("no-ids");
        Set<String> idField = Set.of("id");
        try (FSDirectory d = FSDirectory.open(dir); DirectoryReader reader = DirectoryReader.open(d)) {
            IndexSearcher searcher = new IndexSearcher(reader);
            searcher.setSimilarity(new BM25Similarity(K1, B));
            searcher.setQueryCache(null);
            Analyzer an = analyzer();
            for (String g : groups) {
                int eq = g.indexOf('=');
                if (eq < 0) usage();
                String kind = g.substring(0, eq);
                List<Q> qs = readQueries(g.substring(eq + 1));
                if (qs.isEmpty()) continue;
                for (String mode : modes) {
                    QueryParser qp = new QueryParser("text", an);
                    qp.setDefaultOperator(mode.equals("and") ? QueryParser.Operator.AND : QueryParser.Operator.OR);
                    for (int k : ks) {
                        System.err.printf("lucene: %s %s top %d: %d queries, warm-up then %d timed pass(es)%n",
                                kind, mode.toUpperCase(), k, qs.size(), passes);
                        // At least --warmup passes and --warmup-queries queries:
                        // a short log is run often enough for the JIT too.
                        Hits[] warm = null;
                        int wp = 0;
                        for (long done = 0; wp < warmup || done < warmupQueries; wp++, done += qs.size())
                            warm = pass(searcher, qp, qs, k, loadIds, idField, null, null);
                        double load = loadavg();
                        double[] lat = null, lrank = null;
                        double wall = Double.MAX_VALUE, cpu = Double.MAX_VALUE;
                        Hits[] timed = null;
                        long hits = 0, crc = 0;
                        for (int p = 0; p < passes; p++) {
                            double[] latP = new double[qs.size()], rankP = new double[qs.size()];
                            long c0 = threadCpuNanos(), t0 = System.nanoTime();
                            timed = pass(searcher, qp, qs, k, loadIds, idField, latP, rankP);
                            double wallP = (System.nanoTime() - t0) / 1e9, cpuP = (threadCpuNanos() - c0) / 1e9;
                            long[] hc = check(kind, mode, k, qs, warm, timed);
                            hits = hc[0];
                            crc = hc[1];
                            if (lat == null) {
                                lat = latP;
                                lrank = rankP;
                            } else {
                                for (int i = 0; i < lat.length; i++) {
                                    lat[i] = Math.min(lat[i], latP[i]);
                                    lrank[i] = Math.min(lrank[i], rankP[i]);
                                }
                            }
                            wall = Math.min(wall, wallP);
                            cpu = Math.min(cpu, cpuP);
                        }
                        int empty = 0;
                        for (Hits h : timed) if (h.seq.length == 0) empty++;
                        if (empty > 0 && kind.equals("phrase"))
                            System.err.printf("lucene: warning: %d phrase queries without a hit%n", empty);
                        double[] s = lat.clone();
                        Arrays.sort(s);
                        double mean = 0, rmean = 0;
                        for (double x : s) mean += x;
                        mean /= s.length;
                        double[] rs = lrank.clone();
                        Arrays.sort(rs);
                        for (double x : rs) rmean += x;
                        rmean /= rs.length;
                        Jo j = new Jo().s("bench", "query").s("engine", "lucene").s("corpus", stem).s("kind", kind)
                                .s("mode", mode).n("k", k).n("queries", qs.size()).n("passes", passes)
                                .n("warmup_passes", wp).d("p50_us", rank(s, 50), 1).d("p90_us", rank(s, 90), 1)
                                .d("p99_us", rank(s, 99), 1).d("mean_us", mean, 1).d("max_us", s[s.length - 1], 1)
                                .d("qps", s.length / wall, 1).d("cpu_qps", s.length / Math.max(cpu, 1e-9), 1)
                                .n("hits", hits).n("empty", empty).s("topk_crc32", String.format("%08x", crc))
                                .b("ids_loaded", loadIds).d("rank_p50_us", rank(rs, 50), 1)
                                .d("rank_p99_us", rank(rs, 99), 1).d("rank_mean_us", rmean, 1)
                                .d("loadavg_1m", load, 2)
                                .s("engine_version", "Lucene " + Version.LATEST)
                                .s("java", System.getProperty("java.version"));
                        if (!runDir.isEmpty()) {
                            String name = "lucene-" + stem + (kind.equals("term") ? "" : "-" + kind) + "-" + mode + "-k" + k + ".run";
                            Path rp = Paths.get(runDir, name);
                            writeRun(rp, qs, timed, searcher);
                            j.s("run_file", rp.toString());
                        }
                        System.out.println(j);
                        System.out.flush();
                    }
                }
            }
        }
    }

    /** One pass over qs; lat[i] (when not null): query i's µs from its text
     *  to its hits with their ids, rank[i]: to its hits (parse + search). */
    static Hits[] pass(IndexSearcher searcher, QueryParser qp, List<Q> qs, int k, boolean loadIds,
                       Set<String> idField, double[] lat, double[] rank) throws IOException, Fail {
        Hits[] out = new Hits[qs.size()];
        for (int i = 0; i < out.length; i++) {
            long t0 = System.nanoTime();
            Query q;
            try {
                q = qp.parse(qs.get(i).text);
            } catch (ParseException e) {
                throw new Fail("query " + qs.get(i).qid + ": " + e.getMessage().split("\n")[0]);
            }
            TopDocs td = searcher.search(q, k);
            long tr = System.nanoTime();
            Hits h = new Hits(td.scoreDocs.length);
            for (int r = 0; r < td.scoreDocs.length; r++) {
                ScoreDoc sd = td.scoreDocs[r];
                h.seq[r] = sd.doc + 1;
                h.score[r] = sd.score;
                if (loadIds) h.id[r] = searcher.doc(sd.doc, idField).get("id");
            }
            long t1 = System.nanoTime();
            if (lat != null) {
                lat[i] = (t1 - t0) / 1000.0;
                rank[i] = (tr - t0) / 1000.0;
            }
            out[i] = h;
        }
        return out;
    }

    static long[] check(String kind, String mode, int k, List<Q> qs, Hits[] warm, Hits[] timed) throws Fail {
        CRC32 crc = new CRC32();
        long hits = 0;
        String where = "lucene " + kind + " " + mode + " k=" + k + ": query ";
        for (int i = 0; i < qs.size(); i++) {
            Hits a = warm[i], b = timed[i];
            String qid = qs.get(i).qid;
            if (!Arrays.equals(a.seq, b.seq)) throw new Fail(where + qid + ": warm-up and timed pass differ");
            if (b.seq.length > k || Arrays.stream(b.seq).distinct().count() != b.seq.length)
                throw new Fail(where + qid + ": duplicates or more than k hits");
            for (int r = 1; r < b.seq.length; r++)
                if (b.score[r] > b.score[r - 1]) throw new Fail(where + qid + ": hits not sorted by score");
            hits += b.seq.length;
            StringBuilder sb = new StringBuilder(qid).append(':');
            for (int r = 0; r < b.seq.length; r++) sb.append(r > 0 ? "," : "").append(b.seq[r]);
            crc.update(sb.append('\n').toString().getBytes(StandardCharsets.UTF_8));
        }
        return new long[] {hits, crc.getValue()};
    }

    static void writeRun(Path rp, List<Q> qs, Hits[] res, IndexSearcher searcher) throws IOException {
        Files.createDirectories(rp.getParent());
        try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(rp, StandardCharsets.UTF_8))) {
            for (int i = 0; i < qs.size(); i++) {
                Hits h = res[i];
                for (int r = 0; r < h.seq.length; r++) {
                    String id = h.id[r] != null ? h.id[r] : searcher.doc(h.seq[r] - 1, Set.of("id")).get("id");
                    w.printf(Locale.ROOT, "%s Q0 %s %d %.6f lucene%n", qs.get(i).qid, id, r + 1, h.score[r]);
                }
            }
        }
    }

    static double rank(double[] sorted, int p) {
        int n = sorted.length;
        int r = Math.max(1, Math.min(n, (p * n + 99) / 100));
        return sorted[r - 1];
    }

    static long cpuNanos() {
        java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean)
            return ((com.sun.management.OperatingSystemMXBean) os).getProcessCpuTime();
        return ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
    }

    /** This thread's CPU time: the queries' own, without the JIT and GC threads. */
    static long threadCpuNanos() {
        return ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
    }

    static double loadavg() {
        try {
            return Double.parseDouble(Files.readString(Paths.get("/proc/loadavg")).split(" ")[0]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    // ------------------------------------------------------------ JSON

    /** A JSON object written in insertion order. */
    static final class Jo {
        final StringBuilder sb = new StringBuilder("{");

        Jo key(String k) {
            if (sb.length() > 1) sb.append(", ");
            str(sb, k);
            sb.append(": ");
            return this;
        }
        Jo s(String k, String v) { key(k); str(sb, v); return this; }
        Jo n(String k, long v) { key(k); sb.append(v); return this; }
        Jo b(String k, boolean v) { key(k); sb.append(v); return this; }
        Jo d(String k, double v, int digits) {
            key(k);
            sb.append(new java.math.BigDecimal(v).setScale(digits, java.math.RoundingMode.HALF_EVEN).toPlainString());
            return this;
        }
        @Override public String toString() { return sb + "}"; }

        static void str(StringBuilder sb, String s) {
            sb.append('"');
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c == '"' || c == '\\') sb.append('\\').append(c);
                else if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
                else sb.append(c);
            }
            sb.append('"');
        }
    }

    /** A small strict JSON parser: objects (LinkedHashMap), arrays (ArrayList),
     *  strings, numbers (Num, their text kept), true, false, null. */
    static final class Json {
        static final class Num {
            final String text;
            Num(String t) { text = t; }
        }

        final String s;
        int i;

        Json(String s) { this.s = s; }

        Object parseTop() {
            Object v = value();
            ws();
            if (i != s.length()) throw new IllegalArgumentException("trailing characters");
            return v;
        }

        void ws() {
            while (i < s.length() && " \t\r\n".indexOf(s.charAt(i)) >= 0) i++;
        }

        IllegalArgumentException bad() { return new IllegalArgumentException("bad JSON at " + i); }

        Object value() {
            ws();
            if (i >= s.length()) throw bad();
            char c = s.charAt(i);
            switch (c) {
                case '{': {
                    i++;
                    Map<String, Object> m = new LinkedHashMap<>();
                    ws();
                    if (i < s.length() && s.charAt(i) == '}') { i++; return m; }
                    while (true) {
                        ws();
                        if (i >= s.length() || s.charAt(i) != '"') throw bad();
                        String k = string();
                        ws();
                        if (i >= s.length() || s.charAt(i++) != ':') throw bad();
                        m.put(k, value());
                        ws();
                        if (i >= s.length()) throw bad();
                        char e = s.charAt(i++);
                        if (e == '}') return m;
                        if (e != ',') throw bad();
                    }
                }
                case '[': {
                    i++;
                    List<Object> a = new ArrayList<>();
                    ws();
                    if (i < s.length() && s.charAt(i) == ']') { i++; return a; }
                    while (true) {
                        a.add(value());
                        ws();
                        if (i >= s.length()) throw bad();
                        char e = s.charAt(i++);
                        if (e == ']') return a;
                        if (e != ',') throw bad();
                    }
                }
                case '"': return string();
                case 't': return lit("true", Boolean.TRUE);
                case 'f': return lit("false", Boolean.FALSE);
                case 'n': return lit("null", null);
                default: {
                    int st = i;
                    if (c == '-') i++;
                    while (i < s.length() && "0123456789+-.eE".indexOf(s.charAt(i)) >= 0) i++;
                    if (i == st || (i == st + 1 && c == '-')) throw bad();
                    return new Num(s.substring(st, i));
                }
            }
        }

        Object lit(String w, Object v) {
            if (!s.startsWith(w, i)) throw bad();
            i += w.length();
            return v;
        }

        String string() {
            i++; // opening quote
            StringBuilder b = new StringBuilder();
            while (true) {
                if (i >= s.length()) throw bad();
                char c = s.charAt(i++);
                if (c == '"') return b.toString();
                if (c != '\\') { b.append(c); continue; }
                if (i >= s.length()) throw bad();
                char e = s.charAt(i++);
                switch (e) {
                    case '"': case '\\': case '/': b.append(e); break;
                    case 'b': b.append('\b'); break;
                    case 'f': b.append('\f'); break;
                    case 'n': b.append('\n'); break;
                    case 'r': b.append('\r'); break;
                    case 't': b.append('\t'); break;
                    case 'u':
                        if (i + 4 > s.length()) throw bad();
                        try {
                            b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                        } catch (NumberFormatException x) {
                            throw bad();
                        }
                        i += 4;
                        break;
                    default: throw bad();
                }
            }
        }
    }
}
