'use strict';
// Requests the tests send through the gateway, shared by the fake-provider and the mock-provider
// suites so both exercise the same scenarios.

const kWeatherTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather for a city',
    parameters: {
      type: 'object',
      properties: { location: { type: 'string' } },
      required: ['location'],
    },
  },
};

const kWeatherQuestion = 'What is the weather in Paris?';
const kWeatherResult = '{"temperature_c":21,"sky":"clear"}';

// The second turn of the tool round trip, in OpenAI form: the question, the assistant's tool
// call as the client received it, and the tool's result.
function openaiToolResultTurn(toolCall) {
  return [
    { role: 'user', content: kWeatherQuestion },
    { role: 'assistant', content: null, tool_calls: [toolCall] },
    { role: 'tool', tool_call_id: toolCall.id, content: kWeatherResult },
  ];
}

const kAnthropicWeatherTool = {
  name: kWeatherTool.function.name,
  description: kWeatherTool.function.description,
  input_schema: kWeatherTool.function.parameters,
};

// The same second turn in Anthropic Messages form.
function anthropicToolResultTurn(toolUse) {
  return [
    { role: 'user', content: kWeatherQuestion },
    { role: 'assistant', content: [toolUse] },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: toolUse.id, content: kWeatherResult }] },
  ];
}

module.exports = {
  kWeatherTool, kAnthropicWeatherTool, kWeatherQuestion, kWeatherResult, openaiToolResultTurn,
  anthropicToolResultTurn,
};
