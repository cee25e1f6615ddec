using System.Reflection;
using ChurnStream.Domain.Engine;
using ChurnStream.Domain.Events;
using ChurnStream.Domain.State;

namespace ChurnStream.Domain.Tests.State;

/// <summary>
/// Stand-in, by reflection, for the export/import of a <see cref="PartitionEngine"/>'s watermark state and buffer that
/// the engine does not offer yet (proposed: <c>ExportWatermarks()</c>, <c>BufferedEvents</c>,
/// <c>RestoreClock(EngineWatermarks, IEnumerable&lt;CustomerEvent&gt;)</c>). Replace with those once they exist.
/// </summary>
internal static class EngineStateShim
{
    private const BindingFlags Private = BindingFlags.Instance | BindingFlags.NonPublic;

    private static T Get<T>(PartitionEngine e, string field) =>
        (T)(typeof(PartitionEngine).GetField(field, Private) ?? throw new MissingFieldException(nameof(PartitionEngine), field)).GetValue(e)!;

    private static void Set(PartitionEngine e, string field, object value) =>
        (typeof(PartitionEngine).GetField(field, Private) ?? throw new MissingFieldException(nameof(PartitionEngine), field)).SetValue(e, value);

    public static EngineWatermarks ExportWatermarks(PartitionEngine e)
    {
        var wm = Get<long[]>(e, "_inputWatermark");
        var idle = Get<bool[]>(e, "_inputIdle");
        var driven = Get<bool[]>(e, "_watermarkDriven");
        return new EngineWatermarks(e.Watermark, e.MaxEventTime, Get<long>(e, "_ownInputsWatermark"),
            wm.Select((w, i) => new InputWatermark(w, idle[i], driven[i])).ToArray());
    }

    public static IReadOnlyList<CustomerEvent> BufferedEvents(PartitionEngine e) =>
        Get<PriorityQueue<CustomerEvent, CustomerEvent>>(e, "_buffer").UnorderedItems.Select(x => x.Element).ToList();

    /// <summary>For a fresh engine, before any event: the clock and the buffer of the checkpoint.</summary>
    public static void RestoreClock(PartitionEngine e, EngineWatermarks w, IEnumerable<CustomerEvent> buffered)
    {
        var wm = Get<long[]>(e, "_inputWatermark");
        var idle = Get<bool[]>(e, "_inputIdle");
        var driven = Get<bool[]>(e, "_watermarkDriven");
        if (w.Inputs.Count != wm.Length) throw new InvalidOperationException("input count differs");
        for (var i = 0; i < wm.Length; i++)
        {
            if (w.Inputs[i].DrivenByWatermarks != driven[i]) throw new InvalidOperationException($"input {i} is set up differently");
            wm[i] = w.Inputs[i].Watermark;
            idle[i] = w.Inputs[i].Idle;
        }
        Set(e, "<Watermark>k__BackingField", w.Watermark);
        Set(e, "<MaxEventTime>k__BackingField", w.MaxEventTime);
        Set(e, "_ownInputsWatermark", w.OwnInputsWatermark);
        var buffer = Get<PriorityQueue<CustomerEvent, CustomerEvent>>(e, "_buffer");
        foreach (var ev in buffered) buffer.Enqueue(ev, ev);
    }
}
