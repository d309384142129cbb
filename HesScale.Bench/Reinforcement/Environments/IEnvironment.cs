namespace HesScale.Bench.Reinforcement.Environments;

/// <summary>
/// One copy of a control task with Gymnasium's dynamics. The state is kept in double precision;
/// observations are returned as float (Gymnasium returns float32). Truncation by the time limit is
/// handled by <see cref="VectorEnvironment"/> from <see cref="MaxEpisodeSteps"/>.
/// </summary>
public interface IEnvironment
{
    /// <summary>Identifier, one of <see cref="EnvironmentRegistry.Ids"/>.</summary>
    string Id { get; }
    int ObservationSize { get; }
    /// <summary>Number of discrete actions; 0 for a continuous action space.</summary>
    int DiscreteActions { get; }
    /// <summary>Dimension of a continuous action; 0 for a discrete action space.</summary>
    int ActionSize { get; }
    /// <summary>
    /// Continuous action bounds; empty for discrete spaces. The classic-control tasks clip to them; the
    /// MuJoCo tasks pass the action on as given (MuJoCo clamps ctrl; the control cost uses the action as given).
    /// </summary>
    ReadOnlySpan<float> ActionLow { get; }
    ReadOnlySpan<float> ActionHigh { get; }
    /// <summary>Observation space bounds (float.MaxValue where Gymnasium uses float32 max).</summary>
    ReadOnlySpan<float> ObservationLow { get; }
    ReadOnlySpan<float> ObservationHigh { get; }
    /// <summary>Gymnasium's TimeLimit for the registered id (CartPole-v1 500, Acrobot-v1 500, Pendulum-v1 200, MountainCarContinuous-v0 999, MuJoCo v4 1000, Reacher-v4 50).</summary>
    int MaxEpisodeSteps { get; }

    /// <summary>Draws a start state from <paramref name="random"/> and writes the observation.</summary>
    void Reset(Random random, Span<float> observation);

    /// <summary>
    /// Advances one step. <paramref name="action"/> holds the action index (discrete, as a float)
    /// or the continuous action (see <see cref="ActionLow"/> for clipping). Returns the reward;
    /// <paramref name="terminated"/> says whether a terminal state was reached.
    /// </summary>
    double Step(ReadOnlySpan<float> action, Span<float> observation, out bool terminated);
}
