using ChurnStream.Host.Bench;

namespace ChurnStream.Integration.Tests;

/// <summary>The bench's CPU per thread group (<see cref="ThreadCpu"/>), read from <c>/proc/self/task</c>.</summary>
public sealed class ThreadCpuSpecs
{
    [Fact]
    public void A_stat_line_gives_user_plus_system_ticks_even_when_the_thread_name_holds_spaces_and_parentheses()
    {
        // pid (comm) state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime ...
        const string stat = "4242 (.NET (odd) GC) S 1 4242 4242 0 -1 4194368 120 0 0 0 7 5 0 0 20 0 40 0 1 2 3";
        Assert.Equal(12, ThreadCpu.TicksOf(stat));
    }

    [Fact]
    public void A_truncated_stat_line_gives_no_ticks()
    {
        Assert.Null(ThreadCpu.TicksOf("4242 (rdk:main) S 1 2 3"));
        Assert.Null(ThreadCpu.TicksOf("no parentheses at all"));
    }

    [Theory]
    [InlineData("churnstream-w0", false, "workers")]
    [InlineData("churnstream-pro", false, "polling")]
    [InlineData("rdk:mock", false, "broker")]
    [InlineData("rdk:broker3", false, "kafka-clients")]
    [InlineData("rdk:main", false, "kafka-clients")]
    [InlineData(".NET Server GC", false, "gc")]
    [InlineData(".NET BGC", false, "gc")]
    [InlineData(".NET Tiered Com", false, "jit")]
    [InlineData(".NET Long Runni", false, "other")]
    [InlineData("dotnet", true, "main")]
    [InlineData("churnstream-w1", true, "main")]
    public void Threads_are_grouped_by_what_they_do(string name, bool mainThread, string group) =>
        Assert.Equal(group, ThreadCpu.GroupOf(name, mainThread));

    [Fact]
    public void A_busy_worker_thread_between_two_snapshots_shows_under_workers()
    {
        var before = ThreadCpu.Take();
        Assert.NotNull(before); // the suite runs on Linux
        var busy = new Thread(() =>
        {
            var until = Environment.TickCount64 + 300;
            var x = 0.0;
            while (Environment.TickCount64 < until) x += Math.Sqrt(x + 1);
            GC.KeepAlive(x);
        }) { Name = "churnstream-w7" };
        busy.Start();
        // Snapshot while it still runs: an ended thread leaves /proc and would count as "other".
        Thread.Sleep(250);
        var after = ThreadCpu.Take()!;
        busy.Join();
        var seconds = ThreadCpu.Between(before, after);
        Assert.Equal(ThreadCpu.Groups.Order(), seconds.Keys.Order());
        Assert.True(seconds["workers"] >= 0.1, $"workers {seconds["workers"]:0.000} s");
        Assert.All(seconds.Values, s => Assert.True(s >= 0));
    }
}
