using ChurnStream.Domain.Tests.Support;
namespace ChurnStream.Domain.Tests;
public class Smoke
{
    [Fact]
    public void Dump()
    {
        var d = Driver.Run(Ev.Purchases("c1", 0, 100, 7).Concat([Ev.Tick(200)]));
        foreach (var w in d.Wire()) Console.WriteLine(System.Text.Encoding.UTF8.GetString(w));
        Assert.Fail(d.WireText());
    }
}
