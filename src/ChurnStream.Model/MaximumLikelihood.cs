using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.Optimization;

namespace ChurnStream.Model;

/// <summary>
/// Deterministic minimisation of a negative log-likelihood over log-parameters: Nelder-Mead simplex from a fixed start,
/// restarted from its own optimum with a fresh simplex until a restart improves the objective by less than 1e-9.
/// </summary>
internal static class MaximumLikelihood
{
    private const double LogParameterBound = 30.0;

    public static double[] MinimizeLogParameters(Func<double[], double> negativeLogLikelihood, double[] start)
    {
        double Objective(Vector<double> theta)
        {
            var p = new double[theta.Count];
            for (var i = 0; i < p.Length; i++)
            {
                if (!(Math.Abs(theta[i]) <= LogParameterBound)) return 1e300;
                p[i] = Math.Exp(theta[i]);
            }
            var v = negativeLogLikelihood(p);
            return double.IsFinite(v) ? v : 1e300;
        }

        var objective = ObjectiveFunction.Value(Objective);
        var point = Vector<double>.Build.DenseOfArray(start);
        var best = Objective(point);
        var step = 0.5;
        for (var round = 0; round < 12; round++)
        {
            var simplex = new NelderMeadSimplex(1e-13, 50_000);
            var result = simplex.FindMinimum(objective, point, Vector<double>.Build.Dense(start.Length, step));
            var value = result.FunctionInfoAtMinimum.Value;
            var improvement = best - value;
            if (value < best)
            {
                best = value;
                point = result.MinimizingPoint;
            }
            if (round > 0 && improvement < 1e-9) break;
            step = 0.1;
        }
        if (!(best < 1e299)) throw new ArithmeticException("The likelihood could not be evaluated at any parameter value.");
        return point.Select(Math.Exp).ToArray();
    }
}
