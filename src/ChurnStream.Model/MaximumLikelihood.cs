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
        // The best point ever evaluated: where the simplex stops without converging (a flat ridge, data the model does
        // not describe well) the fit still ends at the most likely parameters found, deterministically.
        var bestSeen = double.PositiveInfinity;
        Vector<double>? bestSeenAt = null;
        double Objective(Vector<double> theta)
        {
            var p = new double[theta.Count];
            for (var i = 0; i < p.Length; i++)
            {
                if (!(Math.Abs(theta[i]) <= LogParameterBound)) return 1e300;
                p[i] = Math.Exp(theta[i]);
            }
            var v = negativeLogLikelihood(p);
            v = double.IsFinite(v) ? v : 1e300;
            if (v < bestSeen)
            {
                bestSeen = v;
                bestSeenAt = theta.Clone();
            }
            return v;
        }

        var objective = ObjectiveFunction.Value(Objective);
        var point = Vector<double>.Build.DenseOfArray(start);
        var best = Objective(point);
        var step = 0.5;
        for (var round = 0; round < 12; round++)
        {
            var simplex = new NelderMeadSimplex(1e-13, 50_000);
            Vector<double> found;
            double value;
            var converged = true;
            try
            {
                var result = simplex.FindMinimum(objective, point, Vector<double>.Build.Dense(start.Length, step));
                (found, value) = (result.MinimizingPoint, result.FunctionInfoAtMinimum.Value);
            }
            catch (MaximumIterationsException)
            {
                (found, value, converged) = (bestSeenAt ?? point, bestSeen, false);
            }
            var improvement = best - value;
            if (value < best)
            {
                best = value;
                point = found;
            }
            if (!converged || (round > 0 && improvement < 1e-9)) break;
            step = 0.1;
        }
        if (!(best < 1e299)) throw new ArithmeticException("The likelihood could not be evaluated at any parameter value.");
        return point.Select(Math.Exp).ToArray();
    }
}
