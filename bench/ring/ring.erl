%% ring: 10,000 processes in a ring, a token passed 100 laps (1M hops). The main
%% process closes the ring: the last relay sends to it.
-module(ring).
-export([main/0, main/1]).

-define(N, 10000).
-define(LAPS, 100).

main(_) -> main().

main() ->
    First = build(?N, self()),
    Token = laps(First, ?LAPS, 0),
    First ! stop,
    io:format("~p~n", [Token]),
    halt(0).

%% Spawns the relays back to front, so each knows the process after it.
build(0, Next) -> Next;
build(K, Next) -> build(K - 1, spawn(fun() -> relay(Next) end)).

relay(Next) ->
    receive
        {token, T} ->
            Next ! {token, T + 1},
            relay(Next);
        stop ->
            Next ! stop
    end.

laps(_First, 0, Token) -> Token;
laps(First, K, Token) ->
    First ! {token, Token},
    receive
        {token, T} -> laps(First, K - 1, T)
    end.
