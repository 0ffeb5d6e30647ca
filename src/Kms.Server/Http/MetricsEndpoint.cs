using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Kms.Server.Http;

/// <summary>
/// GET /metrics: the process's runtime counters in the Prometheus text exposition format (version 0.0.4), for
/// operators and for the load generator, which reads it before and after a measured window to report the server's
/// allocated bytes per request. Cheap: a handful of runtime reads, no locks, no collection. Authenticated like every
/// other endpoint (any authenticated caller): the figures reveal load, not secrets.
/// </summary>
public static class MetricsEndpoint
{
    /// <summary>Maps GET /metrics.</summary>
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet("/metrics", async (HttpContext context, HttpAuthentication authentication) =>
            await authentication.AuthenticateAsync(context) is null
                ? Results.Unauthorized()
                : Results.Text(Render(), "text/plain; version=0.0.4; charset=utf-8"));

    /// <summary>The counters, one <c>name value</c> line each, with HELP and TYPE lines.</summary>
    public static string Render()
    {
        var text = new StringBuilder(1024);
        var gc = GC.GetGCMemoryInfo();
        // precise: includes the bytes of every thread's current allocation context, so a before/after
        // difference over a window is exact rather than rounded to allocation-context quanta (~8 KiB per thread).
        Counter(text, "kms_gc_allocated_bytes_total", "Bytes allocated on the managed heap since the process started.", GC.GetTotalAllocatedBytes(precise: true));
        for (int generation = 0; generation <= GC.MaxGeneration; generation++)
            Counter(text, $"kms_gc_collections_total{{generation=\"{generation}\"}}", generation == 0 ? "Garbage collections of each generation (a gen-N collection also counts for lower generations)." : null, GC.CollectionCount(generation));
        Counter(text, "kms_gc_pause_seconds_total", "Time the runtime was paused for garbage collections.", GC.GetTotalPauseDuration().TotalSeconds);
        Gauge(text, "kms_gc_heap_bytes", "Managed heap size after the last collection.", gc.HeapSizeBytes);
        Gauge(text, "kms_gc_committed_bytes", "Memory committed by the garbage collector.", gc.TotalCommittedBytes);
        Gauge(text, "kms_threadpool_threads", "Thread-pool threads.", ThreadPool.ThreadCount);
        Counter(text, "kms_threadpool_completed_items_total", "Thread-pool work items completed.", ThreadPool.CompletedWorkItemCount);
        Gauge(text, "kms_threadpool_queue_length", "Thread-pool work items queued, not started.", ThreadPool.PendingWorkItemCount);
        Counter(text, "kms_lock_contentions_total", "Monitor lock contentions.", Monitor.LockContentionCount);
        Counter(text, "kms_process_cpu_seconds_total", "User and system CPU time of the process.", Environment.CpuUsage.TotalTime.TotalSeconds);
        return text.ToString();
    }

    private static void Counter(StringBuilder text, string name, string? help, double value) => Line(text, name, help, "counter", value);

    private static void Gauge(StringBuilder text, string name, string? help, double value) => Line(text, name, help, "gauge", value);

    private static void Line(StringBuilder text, string name, string? help, string type, double value)
    {
        int brace = name.IndexOf('{', StringComparison.Ordinal);
        string family = brace < 0 ? name : name[..brace];
        if (help is not null) text.Append("# HELP ").Append(family).Append(' ').Append(help).Append('\n').Append("# TYPE ").Append(family).Append(' ').Append(type).Append('\n');
        text.Append(name).Append(' ').Append(value.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
    }
}
