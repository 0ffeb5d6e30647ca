using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Kms.Benchmarks;

/// <summary>
/// MB/s (10^6 bytes per second) from the message size of the benchmark and its median time per operation (the
/// median, not the mean, because the build machine is shared and outliers are common).
/// </summary>
public sealed class ThroughputColumn : IColumn
{
    public string Id => nameof(ThroughputColumn);
    public string ColumnName => "MB/s";
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => 0;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => "Message bytes processed per second, in 10^6 B/s (bytes/op ÷ median ns/op × 1000)";

    public bool IsAvailable(Summary summary) => true;
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        int bytes = Messages.BytesPerOperation(benchmarkCase.Descriptor.WorkloadMethod.Name);
        var median = summary[benchmarkCase]?.ResultStatistics?.Median;
        if (bytes == 0 || median is not > 0) return "-";
        return (bytes * 1000.0 / median.Value).ToString("N0", System.Globalization.CultureInfo.InvariantCulture);
    }

    public override string ToString() => ColumnName;
}

/// <summary>Every benchmark class: memory diagnoser, median and min, the MB/s column and a bytes/op column.</summary>
public sealed class BenchConfig : ManualConfig
{
    public BenchConfig()
    {
        AddDiagnoser(MemoryDiagnoser.Default);
        AddColumn(StatisticColumn.Median, StatisticColumn.Min);
        AddColumn(new ThroughputColumn(), new TagColumn("Bytes/op", name => Messages.BytesPerOperation(name).ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }
}
