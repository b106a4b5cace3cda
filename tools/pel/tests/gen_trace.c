/* gen_trace — write a big synthetic pel trace, to check that pel copes with size.
 *
 *     gen_trace TASKS WORKERS OUT.json
 *
 * TASKS independent fork-join tasks of 50 ns each, spawned by the main thread (tid 1000)
 * into group 1 and run back to back (10 ns apart) by WORKERS workers in turn; the main
 * thread waits for the group over the whole run. The name changes every 2000 tasks of a
 * worker (five names), and after every 3000 the workers pause 20 us, odd workers parked.
 * So: work = TASKS x 50 ns, span = 50 ns, and nearly every slice is far narrower than a
 * pixel, in stretches of one colour with idle gaps between. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: gen_trace TASKS WORKERS OUT.json\n");
        return 2;
    }
    long n = atol(argv[1]), w = atol(argv[2]);
    FILE *f = fopen(argv[3], "w");
    if (n < 1 || w < 1 || f == NULL) {
        fprintf(stderr, "gen_trace: bad arguments\n");
        return 2;
    }
    static const char *const names[] = {"alpha", "beta", "gamma", "delta", "epsilon"};
    long per = (n + w - 1) / w;
    long long end_ns = per * 60 + (per / 3000) * 20000 + 100;
    fprintf(f, "{\"traceEvents\": [\n");
    for (long k = 0; k < w; k++)
        fprintf(f, "{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":1,\"tid\":%ld,\"args\":"
                "{\"name\":\"worker %ld\"}},\n", k, k);
    fprintf(f, "{\"ph\":\"X\",\"cat\":\"wait\",\"name\":\"wait\",\"pid\":1,\"tid\":1000,"
            "\"ts\":0.000,\"dur\":%lld.%03lld,\"args\":{\"task\":0,\"group\":1}}",
            end_ns / 1000, end_ns % 1000);
    for (long i = 0; i < n; i++) {
        long worker = i % w, slot = i / w;
        long long ts = 50 + slot * 60 + (slot / 3000) * 20000LL;
        if (slot % 3000 == 0 && slot > 0 && worker % 2 == 1)
            fprintf(f, ",\n{\"ph\":\"X\",\"cat\":\"park\",\"name\":\"parked\",\"pid\":1,"
                    "\"tid\":%ld,\"ts\":%lld.%03lld,\"dur\":19.000}", worker,
                    (ts - 19500) / 1000, (ts - 19500) % 1000);
        fprintf(f, ",\n{\"ph\":\"X\",\"cat\":\"task\",\"name\":\"%s\",\"pid\":1,\"tid\":%ld,"
                "\"ts\":%lld.%03lld,\"dur\":0.050,\"args\":{\"id\":%ld,\"parent\":0,"
                "\"kind\":\"spawn\",\"group\":1,\"spawned\":0.001}}",
                names[(slot / 2000) % 5], worker, ts / 1000, ts % 1000, i + 1);
        if (slot % 1000 == 999)
            fprintf(f, ",\n{\"ph\":\"i\",\"s\":\"t\",\"cat\":\"steal\",\"name\":\"steal\","
                    "\"pid\":1,\"tid\":%ld,\"ts\":%lld.%03lld,\"args\":{\"victim\":0,"
                    "\"task\":%ld}}", worker, ts / 1000, ts % 1000, i + 1);
    }
    fprintf(f, "\n], \"displayTimeUnit\": \"ns\", \"otherData\": {\"pel\":\"0.1.0\","
            "\"detail\":\"full\",\"workers\":%ld,\"dropped\":0}}\n", w);
    return fclose(f) == 0 ? 0 : 1;
}
