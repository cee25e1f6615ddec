namespace ChurnStream.Simulation.Tests;

public class LabelsCsvTests
{
    [Fact]
    public void Labels_are_written_with_the_contract_header_and_empty_onsets_for_stable_personas()
    {
        var csv = LabelsCsv.ToCsv(
        [
            new CustomerLabel("c-000001", Personas.Loyal, null, null),
            new CustomerLabel("c-000002", Personas.Silent, 201, new DateTimeOffset(2025, 7, 21, 0, 0, 0, TimeSpan.Zero)),
        ]);
        Assert.Equal("customerId,persona,onsetDay,onsetAt\nc-000001,loyal,,\nc-000002,silent,201,2025-07-21T00:00:00Z\n", csv);
    }

    [Fact]
    public void Generated_labels_survive_a_round_trip()
    {
        var labels = Population.Labels;
        Assert.Equal(labels, LabelsCsv.Parse(LabelsCsv.ToCsv(labels)));
    }

    [Fact]
    public void Windows_line_ends_and_a_byte_order_mark_are_accepted()
    {
        var labels = LabelsCsv.Parse("\uFEFFcustomerId,persona,onsetDay,onsetAt\r\nc-1,complainer,150,2025-05-31T00:00:00Z\r\n\r\n");
        Assert.Equal(new CustomerLabel("c-1", Personas.Complainer, 150, new DateTimeOffset(2025, 5, 31, 0, 0, 0, TimeSpan.Zero)), Assert.Single(labels));
    }

    [Theory]
    [InlineData("customerId,persona\nc-1,loyal\n")]
    [InlineData("customerId,persona,onsetDay,onsetAt\nc-1,loyal,\n")]
    [InlineData("customerId,persona,onsetDay,onsetAt\nc-1,silent,abc,2025-05-31T00:00:00Z\n")]
    [InlineData("customerId,persona,onsetDay,onsetAt\nc-1,silent,150,\n")]
    [InlineData("customerId,persona,onsetDay,onsetAt\n,silent,,\n")]
    public void Malformed_label_files_are_rejected(string csv) => Assert.Throws<FormatException>(() => LabelsCsv.Parse(csv));

    [FsCheck.Xunit.Property]
    public bool Any_labels_survive_a_round_trip(FsCheck.NonNegativeInt[] ids, int[] onsetDays)
    {
        var labels = ids.Select((id, i) =>
        {
            var persona = Personas.All[id.Get % Personas.All.Count];
            int? day = Personas.IsDecline(persona) && onsetDays.Length > 0 ? Math.Abs(onsetDays[i % onsetDays.Length] % 10_000) : null;
            return new CustomerLabel($"c-{i:D6}", persona, day, day is { } d ? new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero).AddDays(d) : null);
        }).ToList();
        return LabelsCsv.Parse(LabelsCsv.ToCsv(labels)).SequenceEqual(labels);
    }
}
