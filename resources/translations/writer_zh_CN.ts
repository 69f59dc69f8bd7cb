<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name>About</name>
    <message>
        <source>the built-in model, &lt;b&gt;{name}&lt;/b&gt; by {author}, license &lt;a href=&quot;{license_url}&quot;&gt;{license}&lt;/a&gt; (&lt;a href=&quot;{card_url}&quot;&gt;model card&lt;/a&gt;)</source>
        <translation>内置模型 &lt;b&gt;{name}&lt;/b&gt;（{author} 出品，许可证 &lt;a href=&quot;{license_url}&quot;&gt;{license}&lt;/a&gt;，&lt;a href=&quot;{card_url}&quot;&gt;模型卡片&lt;/a&gt;）</translation>
    </message>
    <message>
        <source>Model: {builtin}; in use.</source>
        <translation>模型：{builtin}，正在使用。</translation>
    </message>
    <message>
        <source>Model: {builtin}; not loaded yet.</source>
        <translation>模型：{builtin}，尚未加载。</translation>
    </message>
    <message>
        <source>license {license} (from its model card)</source>
        <translation>许可证为 {license}（据其模型卡片）</translation>
    </message>
    <message>
        <source>see its model card for its license</source>
        <translation>许可证见其模型卡片</translation>
    </message>
    <message>
        <source>Model: &lt;b&gt;{name}&lt;/b&gt;, {terms}. {app} also ships {builtin}.</source>
        <translation>模型：&lt;b&gt;{name}&lt;/b&gt;，{terms}。{app} 另外自带{builtin}。</translation>
    </message>
    <message>
        <source>A local-first writing assistant. The language model runs on this computer; your text never leaves it.</source>
        <translation>本地优先的写作助手。语言模型在这台电脑上运行，你的文字不会离开这台电脑。</translation>
    </message>
    <message>
        <source>{app} is free software under the &lt;a href=&quot;{url}&quot;&gt;Apache License 2.0&lt;/a&gt; ({id}).</source>
        <translation>{app} 是自由软件，采用 &lt;a href=&quot;{url}&quot;&gt;Apache License 2.0&lt;/a&gt;（{id}）许可。</translation>
    </message>
    <message>
        <source>spelling: {name}</source>
        <translation>拼写检查：{name}</translation>
    </message>
    <message>
        <source>About {app}</source>
        <translation>关于 {app}</translation>
    </message>
</context>
<context>
    <name>AdaptDialog</name>
    <message>
        <source>Text, Markdown and Python (*.txt *.md *.markdown *.rst *.py);;All files (*)</source>
        <translation>文本、Markdown 和 Python 文件 (*.txt *.md *.markdown *.rst *.py);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Step {step}</source>
        <translation>第 {step} 步</translation>
    </message>
    <message>
        <source>{tokens} tokens</source>
        <translation>{tokens} 个词元</translation>
    </message>
    <message>
        <source>loss {loss}</source>
        <translation>损失 {loss}</translation>
    </message>
    <message>
        <source>held-out perplexity {before} → {after}</source>
        <translation>留出集困惑度 {before} → {after}</translation>
    </message>
    <message>
        <source>{time} left</source>
        <translation>剩余 {time}</translation>
    </message>
    <message>
        <source>Adapt to My Writing</source>
        <translation>学习我的文风</translation>
    </message>
    <message>
        <source>Writer learns your voice, vocabulary and format from your own documents (.txt, .md; .py for code), so its suggestions continue the way you write. Training runs in the background on this computer: your documents never leave it, and you can keep writing.</source>
        <translation>Writer 会从你自己的文档（.txt、.md；代码用 .py）中学习你的语气、用词和格式，让建议按你的写法续写。训练在这台电脑的后台进行：文档不会离开这台电脑，你也可以照常写作。</translation>
    </message>
    <message>
        <source>Add Files…</source>
        <translation>添加文件…</translation>
    </message>
    <message>
        <source>Add Folder…</source>
        <translation>添加文件夹…</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>移除</translation>
    </message>
    <message>
        <source>Choose documents or a folder of your writing.</source>
        <translation>请选择你写的文档，或存放它们的文件夹。</translation>
    </message>
    <message>
        <source> min</source>
        <translation> 分钟</translation>
    </message>
    <message>
        <source>At most this long; it stops sooner once it stops improving</source>
        <translation>最长训练时间；效果不再提升时会提前结束</translation>
    </message>
    <message>
        <source>Adapter name</source>
        <translation>适配器名称</translation>
    </message>
    <message>
        <source>Train for at most</source>
        <translation>最长训练</translation>
    </message>
    <message>
        <source>Start</source>
        <translation>开始</translation>
    </message>
    <message>
        <source>Cancel Training</source>
        <translation>取消训练</translation>
    </message>
    <message>
        <source>Use for Suggestions</source>
        <translation>用于建议</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Add Documents</source>
        <translation>添加文档</translation>
    </message>
    <message>
        <source>Add a Folder of Documents</source>
        <translation>添加文档文件夹</translation>
    </message>
    <message numerus="yes">
        <source>%n document</source>
        <translation>
            <numerusform>%n 篇文档</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n documents</source>
        <translation>
            <numerusform>%n 篇文档</numerusform>
        </translation>
    </message>
    <message>
        <source>{documents}, about {tokens} tokens: about {minutes} minutes to learn well (two passes over the text)</source>
        <translation>{documents}，约 {tokens} 个词元：充分学习约需 {minutes} 分钟（文本过两遍）</translation>
    </message>
    <message>
        <source>{summary}; {skipped} files left out</source>
        <translation>{summary}；已跳过 {skipped} 个文件</translation>
    </message>
    <message>
        <source>Starting…</source>
        <translation>正在启动…</translation>
    </message>
    <message>
        <source>Resuming from step {step}…</source>
        <translation>正在从第 {step} 步继续…</translation>
    </message>
    <message>
        <source>Adapter “{name}” is ready: held-out perplexity {before} → {after} ({change}).</source>
        <translation>适配器“{name}”已就绪：留出集困惑度 {before} → {after}（{change}）。</translation>
    </message>
    <message>
        <source>{ready} Your text is no surprise to the model already.</source>
        <translation>{ready}模型对你的文字本来就很熟悉。</translation>
    </message>
    <message>
        <source>Training cancelled. Start resumes it from its last checkpoint.</source>
        <translation>训练已取消。点击“开始”可从上一个检查点继续。</translation>
    </message>
    <message>
        <source>Suggestions now use the adapter “{name}”.</source>
        <translation>建议现已使用适配器“{name}”。</translation>
    </message>
</context>
<context>
    <name>App</name>
    <message>
        <source>Settings: {notices}</source>
        <translation>设置：{notices}</translation>
    </message>
</context>
<context>
    <name>CodeGeneration</name>
    <message>
        <source>The document has changed since this code was written, so it cannot be put in; press Ctrl+Shift+G to write it again.</source>
        <translation>生成这段代码后文档已被修改，因此无法插入；请按 Ctrl+Shift+G 重新生成。</translation>
    </message>
    <message>
        <source>code</source>
        <translation>代码生成功能</translation>
    </message>
    <message>
        <source>Generate code from docstring</source>
        <translation>根据文档字符串生成代码</translation>
    </message>
    <message>
        <source>Generate code from docstring: {name}()</source>
        <translation>根据文档字符串生成代码：{name}()</translation>
    </message>
    <message>
        <source>Writing {name}() from its docstring…</source>
        <translation>正在根据文档字符串编写 {name}()…</translation>
    </message>
    <message>
        <source>{message} (Esc cancels)</source>
        <translation>{message}（按 Esc 取消）</translation>
    </message>
    <message>
        <source>The document changed while {name}() was being written; nothing was put in. Press Ctrl+Shift+G to write it again.</source>
        <translation>编写 {name}() 期间文档已被修改，未插入任何内容。请按 Ctrl+Shift+G 重新生成。</translation>
    </message>
    <message>
        <source>Code generation failed: {reason}</source>
        <translation>代码生成失败：{reason}</translation>
    </message>
    <message>
        <source>{message} — Tab inserts it, Esc rejects it</source>
        <translation>{message}——按 Tab 插入，按 Esc 放弃</translation>
    </message>
    <message>
        <source>{status}  (candidate {index} of {count})</source>
        <translation>{status}（候选 {index}/{count}）</translation>
    </message>
    <message>
        <source>Proposed body for {name}()</source>
        <translation>{name}() 的候选函数体</translation>
    </message>
    <message>
        <source>Wrote the body of {name}() ({status})</source>
        <translation>已写入 {name}() 的函数体（{status}）</translation>
    </message>
    <message>
        <source>Proposed code rejected</source>
        <translation>已放弃生成的代码</translation>
    </message>
    <message>
        <source>Code generation cancelled</source>
        <translation>代码生成已取消</translation>
    </message>
</context>
<context>
    <name>CodeMode</name>
    <message>
        <source>Write Python. Pause at the end of a line for a suggestion (Tab accepts). Write a function&apos;s signature and docstring and press Ctrl+Shift+G for its body.</source>
        <translation>编写 Python 代码。在行尾稍作停顿即可获得建议（按 Tab 接受）。写好函数签名和文档字符串后，按 Ctrl+Shift+G 生成函数体。</translation>
    </message>
</context>
<context>
    <name>CodePreview</name>
    <message>
        <source>Accept (Tab)</source>
        <translation>接受（Tab）</translation>
    </message>
    <message>
        <source>Next Candidate</source>
        <translation>下一个候选</translation>
    </message>
    <message>
        <source>Reject (Esc)</source>
        <translation>放弃（Esc）</translation>
    </message>
    <message>
        <source>Cancel (Esc)</source>
        <translation>取消（Esc）</translation>
    </message>
    <message>
        <source>Close (Esc)</source>
        <translation>关闭（Esc）</translation>
    </message>
</context>
<context>
    <name>CompareDialog</name>
    <message>
        <source>The two versions are the same.</source>
        <translation>两个版本完全相同。</translation>
    </message>
    <message>
        <source>Compare: {old} ↔ {new}</source>
        <translation>比较：{old} ↔ {new}</translation>
    </message>
    <message>
        <source>Lines only in {old} are red; lines only in {new} are green.</source>
        <translation>仅在 {old} 中的行显示为红色；仅在 {new} 中的行显示为绿色。</translation>
    </message>
</context>
<context>
    <name>DocumentAdapterMenu</name>
    <message>
        <source>Adapter for This &amp;Document</source>
        <translation>本文档的适配器(&amp;D)</translation>
    </message>
    <message>
        <source>Save the document to choose its adapter</source>
        <translation>保存文档后即可为它选择适配器</translation>
    </message>
    <message>
        <source>As in Settings ({name})</source>
        <translation>同设置（{name}）</translation>
    </message>
    <message>
        <source>As in Settings (none)</source>
        <translation>同设置（无）</translation>
    </message>
    <message>
        <source>No Adapter</source>
        <translation>不用适配器</translation>
    </message>
</context>
<context>
    <name>DocumentTab</name>
    <message>
        <source>Start writing. Pause at the end of a line for a grey suggestion (Tab accepts, Esc dismisses, Ctrl+Space asks anywhere). Select text and press Ctrl+Shift+R to rewrite it in a style. Write an outline (# headings, - points) and press Ctrl+Shift+D for a draft.</source>
        <translation>开始写作吧。在行末停顿，会出现灰色的建议（Tab 接受，Esc 放弃，Ctrl+Space 随处请求建议）。选中文字后按 Ctrl+Shift+R，可按某种风格改写。写好大纲（# 标题，- 要点）后按 Ctrl+Shift+D，即可起草文章。</translation>
    </message>
    <message>
        <source>Untitled</source>
        <translation>未命名</translation>
    </message>
    <message>
        <source>Re&amp;write</source>
        <translation>改写(&amp;W)</translation>
    </message>
    <message>
        <source>Opening {name}… {percent}%</source>
        <translation>正在打开 {name}… {percent}%</translation>
    </message>
</context>
<context>
    <name>DownloadManager</name>
    <message>
        <source>Paused before it started.</source>
        <translation>尚未开始即已暂停。</translation>
    </message>
</context>
<context>
    <name>DownloadStatus</name>
    <message>
        <source>starting…</source>
        <translation>正在开始…</translation>
    </message>
</context>
<context>
    <name>DraftBar</name>
    <message>
        <source>Introduction</source>
        <translation>引言</translation>
    </message>
    <message>
        <source>Drafting: {section}</source>
        <translation>正在起草：{section}</translation>
    </message>
    <message>
        <source>Section {current} of {total}</source>
        <translation>第 {current}/{total} 节</translation>
    </message>
    <message>
        <source>Draft finished</source>
        <translation>草稿已完成</translation>
    </message>
</context>
<context>
    <name>DraftDialog</name>
    <message>
        <source>The model&apos;s own</source>
        <translation>模型默认</translation>
    </message>
    <message>
        <source>Custom…</source>
        <translation>自定义…</translation>
    </message>
    <message>
        <source>Draft Article from Outline</source>
        <translation>根据大纲起草文章</translation>
    </message>
    <message>
        <source>“{title}”</source>
        <translation>《{title}》</translation>
    </message>
    <message>
        <source>An untitled article</source>
        <translation>无标题文章</translation>
    </message>
    <message numerus="yes">
        <source>%n section</source>
        <translation>
            <numerusform>%n 个小节</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n sections</source>
        <translation>
            <numerusform>%n 个小节</numerusform>
        </translation>
    </message>
    <message>
        <source>{title}: {sections}, written one after another into a new document.</source>
        <translation>{title}：共 {sections}，将依次写入一个新文档。</translation>
    </message>
    <message>
        <source>Short</source>
        <translation>短</translation>
    </message>
    <message>
        <source>Medium</source>
        <translation>中</translation>
    </message>
    <message>
        <source>Long</source>
        <translation>长</translation>
    </message>
    <message>
        <source>{length} (about {words} words per section)</source>
        <translation>{length}（每小节约 {words} 字）</translation>
    </message>
    <message>
        <source> words per section</source>
        <translation> 字/小节</translation>
    </message>
    <message>
        <source>The rewrite styles, and your own (Settings → Rewrite styles)</source>
        <translation>改写风格，以及你自己的风格（设置 → 改写风格）</translation>
    </message>
    <message>
        <source>e.g. beginners, busy parents, engineers (optional)</source>
        <translation>例如：初学者、忙碌的父母、工程师（可选）</translation>
    </message>
    <message>
        <source>Decoding Settings…</source>
        <translation>解码设置…</translation>
    </message>
    <message>
        <source>Temperature, top-p and the other Draft settings</source>
        <translation>温度、Top-p 等起草设置</translation>
    </message>
    <message>
        <source>Length:</source>
        <translation>长度：</translation>
    </message>
    <message>
        <source>Tone:</source>
        <translation>语气：</translation>
    </message>
    <message>
        <source>Readers:</source>
        <translation>读者：</translation>
    </message>
    <message>
        <source>Draft</source>
        <translation>起草</translation>
    </message>
    <message>
        <source>The built-in model writes Chinese, Japanese and Korean poorly; a larger model (Model &amp; Device settings) drafts these much better.</source>
        <translation>内置模型写中文、日文和韩文的效果较差；换用更大的模型（“模型与设备”设置）起草效果会好得多。</translation>
    </message>
</context>
<context>
    <name>DraftFeature</name>
    <message>
        <source>Draft</source>
        <translation>草稿</translation>
    </message>
    <message>
        <source>&amp;Draft Article from Outline…</source>
        <translation>根据大纲起草文章(&amp;D)…</translation>
    </message>
    <message>
        <source>Turn the outline in this document (or the selection) into an article</source>
        <translation>把本文档（或所选内容）中的大纲写成文章</translation>
    </message>
    <message>
        <source>&amp;Regenerate This Section</source>
        <translation>重新生成本小节(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Continue This Section</source>
        <translation>续写本小节(&amp;C)</translation>
    </message>
    <message>
        <source>The model is writing a draft; wait for it or cancel it first</source>
        <translation>模型正在起草，请等它写完或先取消</translation>
    </message>
    <message>
        <source>drafts</source>
        <translation>起草功能</translation>
    </message>
    <message>
        <source>Nothing to draft</source>
        <translation>没有可起草的内容</translation>
    </message>
    <message>
        <source>Drafting stopped: {reason}. What was written is kept.</source>
        <translation>起草已中止：{reason}。已写出的内容会保留。</translation>
    </message>
    <message>
        <source>Drafting stopped</source>
        <translation>起草已中止</translation>
    </message>
    <message>
        <source>{reason}

What was written is kept.</source>
        <translation>{reason}

已写出的内容会保留。</translation>
    </message>
    <message>
        <source>Drafting cancelled: kept {done} of {total} sections and the start of the next</source>
        <translation>起草已取消：保留了 {total} 个小节中的 {done} 个，以及下一小节的开头</translation>
    </message>
    <message>
        <source>Drafting cancelled: kept {done} of {total} sections</source>
        <translation>起草已取消：保留了 {total} 个小节中的 {done} 个</translation>
    </message>
    <message>
        <source>Draft finished: {total} sections, about {words} words</source>
        <translation>草稿已完成：共 {total} 个小节，约 {words} 字</translation>
    </message>
    <message>
        <source>{message}. Check before use — {problems}</source>
        <translation>{message}。使用前请检查——{problems}</translation>
    </message>
    <message>
        <source>{message}. To write a section again, put the cursor in it and choose Draft → Regenerate This Section.</source>
        <translation>{message}。如需重写某个小节，请将光标放在该小节中，然后选择“草稿 → 重新生成本小节”。</translation>
    </message>
    <message>
        <source>This document cannot be changed right now</source>
        <translation>此文档当前无法修改</translation>
    </message>
    <message>
        <source>Put the cursor in a section (its heading or its text) first</source>
        <translation>请先将光标放在某个小节中（标题或正文均可）</translation>
    </message>
    <message>
        <source>Introduction</source>
        <translation>引言</translation>
    </message>
    <message>
        <source>Regenerating “{section}”</source>
        <translation>重新生成“{section}”</translation>
    </message>
    <message>
        <source>Regenerated “{section}”</source>
        <translation>已重新生成“{section}”</translation>
    </message>
    <message>
        <source>Continuing “{section}”</source>
        <translation>续写“{section}”</translation>
    </message>
    <message>
        <source>Continued “{section}”</source>
        <translation>已续写“{section}”</translation>
    </message>
    <message>
        <source>{what} cancelled; nothing was changed</source>
        <translation>{what}已取消，文档未作任何更改</translation>
    </message>
    <message numerus="yes">
        <source>{what}… %n word</source>
        <translation>
            <numerusform>{what}… %n 字</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>{what}… %n words</source>
        <translation>
            <numerusform>{what}… %n 字</numerusform>
        </translation>
    </message>
    <message>
        <source>The document changed while the model was writing; nothing was replaced. Try again.</source>
        <translation>模型写作期间文档已被修改，未替换任何内容。请重试。</translation>
    </message>
    <message>
        <source>The model wrote nothing usable; the section is unchanged</source>
        <translation>模型没有写出可用的内容，小节保持不变</translation>
    </message>
    <message>
        <source>{done}, but it {problem} (Undo takes it back)</source>
        <translation>{done}，但检查发现问题：{problem}（可撤销）</translation>
    </message>
    <message>
        <source>{done} (Undo takes it back)</source>
        <translation>{done}（可撤销）</translation>
    </message>
    <message>
        <source>The section could not be written</source>
        <translation>无法写出该小节</translation>
    </message>
</context>
<context>
    <name>DraftNotice</name>
    <message>
        <source>Close this notice</source>
        <translation>关闭此提示</translation>
    </message>
</context>
<context>
    <name>Exporting</name>
    <message>
        <source>Untitled</source>
        <translation>未命名</translation>
    </message>
    <message>
        <source>Export as &amp;HTML…</source>
        <translation>导出为 HTML(&amp;H)…</translation>
    </message>
    <message>
        <source>Save a copy as a web page (Markdown rendered)</source>
        <translation>将副本保存为网页（渲染 Markdown）</translation>
    </message>
    <message>
        <source>Export as P&amp;DF…</source>
        <translation>导出为 PDF(&amp;D)…</translation>
    </message>
    <message>
        <source>Save a copy as a PDF (Markdown rendered)</source>
        <translation>将副本保存为 PDF（渲染 Markdown）</translation>
    </message>
    <message>
        <source>Web pages (*.html *.htm)</source>
        <translation>网页 (*.html *.htm)</translation>
    </message>
    <message>
        <source>Export as HTML</source>
        <translation>导出为 HTML</translation>
    </message>
    <message>
        <source>Export as PDF</source>
        <translation>导出为 PDF</translation>
    </message>
    <message>
        <source>PDF documents (*.pdf)</source>
        <translation>PDF 文档 (*.pdf)</translation>
    </message>
    <message>
        <source>Could not export</source>
        <translation>无法导出</translation>
    </message>
    <message>
        <source>{path}: {reason}

The document is unchanged.</source>
        <translation>{path}：{reason}

文档没有改动。</translation>
    </message>
    <message>
        <source>Exported {path}</source>
        <translation>已导出 {path}</translation>
    </message>
</context>
<context>
    <name>Feature</name>
    <message>
        <source>Continuation</source>
        <translation>续写</translation>
    </message>
    <message>
        <source>Rewrite</source>
        <translation>改写</translation>
    </message>
    <message>
        <source>Draft</source>
        <translation>草稿</translation>
    </message>
    <message>
        <source>Code</source>
        <translation>代码</translation>
    </message>
    <message>
        <source>Summarize</source>
        <translation>摘要</translation>
    </message>
</context>
<context>
    <name>FileWindow</name>
    <message>
        <source>Text, Markdown and Python (*.txt *.md *.markdown *.py *.pyw *.pyi)</source>
        <translation>文本、Markdown 和 Python (*.txt *.md *.markdown *.py *.pyw *.pyi)</translation>
    </message>
    <message>
        <source>Text and Markdown (*.txt *.md *.markdown)</source>
        <translation>文本和 Markdown (*.txt *.md *.markdown)</translation>
    </message>
    <message>
        <source>Python (*.py *.pyw *.pyi)</source>
        <translation>Python (*.py *.pyw *.pyi)</translation>
    </message>
    <message>
        <source>All files (*)</source>
        <translation>所有文件 (*)</translation>
    </message>
    <message>
        <source>The folder {folder} does not exist: Save will ask where to keep {name}</source>
        <translation>文件夹 {folder} 不存在：保存时会询问 {name} 存放在哪里</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>打开</translation>
    </message>
    <message>
        <source>Could not open the file</source>
        <translation>无法打开文件</translation>
    </message>
    <message>
        <source>{name} is large; suggestions read only the text near the cursor</source>
        <translation>{name} 较大，建议只读取光标附近的文字</translation>
    </message>
    <message>
        <source>Choose an Encoding</source>
        <translation>选择编码</translation>
    </message>
    <message>
        <source>{message}

Open it with this encoding:</source>
        <translation>{message}

用以下编码打开：</translation>
    </message>
    <message>
        <source>Could not reopen the file</source>
        <translation>无法重新打开文件</translation>
    </message>
    <message>
        <source>Save As</source>
        <translation>另存为</translation>
    </message>
    <message>
        <source>Save As — the folder {folder} does not exist</source>
        <translation>另存为——文件夹 {folder} 不存在</translation>
    </message>
    <message>
        <source>{name} was changed by another program since you opened it. Replace it with your version?</source>
        <translation>{name} 在你打开之后被其他程序修改过。要用你的版本替换它吗？</translation>
    </message>
    <message>
        <source>Could not save</source>
        <translation>无法保存</translation>
    </message>
    <message>
        <source>{error}

Your text is still here; try saving somewhere else.</source>
        <translation>{error}

你的文字仍在这里，请试试保存到别处。</translation>
    </message>
    <message>
        <source>Saved {path}</source>
        <translation>已保存 {path}</translation>
    </message>
    <message>
        <source>Reopen {name} and lose your unsaved changes?</source>
        <translation>重新打开 {name} 并丢掉未保存的更改吗？</translation>
    </message>
    <message>
        <source>Save changes to {name}?</source>
        <translation>保存对 {name} 的更改吗？</translation>
    </message>
    <message>
        <source>and %n more</source>
        <translation>还有 %n 个</translation>
    </message>
    <message>
        <source>%n documents have unsaved changes:</source>
        <translation>%n 个文档有未保存的更改：</translation>
    </message>
    <message>
        <source>Discard All</source>
        <translation>全部放弃</translation>
    </message>
    <message>
        <source>{name} was deleted or moved; Save writes it again</source>
        <translation>{name} 已被删除或移走；保存时会重新写入</translation>
    </message>
    <message>
        <source>Reloaded {name}: another program changed it</source>
        <translation>已重新载入 {name}：其他程序修改了它</translation>
    </message>
    <message>
        <source>{name} was changed by another program, and you have unsaved changes.</source>
        <translation>{name} 被其他程序修改过，而你有未保存的更改。</translation>
    </message>
    <message>
        <source>Reload from Disk</source>
        <translation>从磁盘重新载入</translation>
    </message>
    <message>
        <source>Keep Mine</source>
        <translation>保留我的版本</translation>
    </message>
    <message>
        <source>Compare…</source>
        <translation>比较…</translation>
    </message>
    <message>
        <source>Could not reload</source>
        <translation>无法重新载入</translation>
    </message>
    <message>
        <source>Could not read the file</source>
        <translation>无法读取文件</translation>
    </message>
    <message>
        <source>the file on disk</source>
        <translation>磁盘上的文件</translation>
    </message>
    <message>
        <source>your version</source>
        <translation>你的版本</translation>
    </message>
</context>
<context>
    <name>FindBar</name>
    <message>
        <source>Find</source>
        <translation>查找</translation>
    </message>
    <message>
        <source>Match case</source>
        <translation>区分大小写</translation>
    </message>
    <message>
        <source>Whole words</source>
        <translation>全词匹配</translation>
    </message>
    <message>
        <source>Previous</source>
        <translation>上一个</translation>
    </message>
    <message>
        <source>Find previous (Shift+F3)</source>
        <translation>查找上一个（Shift+F3）</translation>
    </message>
    <message>
        <source>Next</source>
        <translation>下一个</translation>
    </message>
    <message>
        <source>Find next (F3)</source>
        <translation>查找下一个（F3）</translation>
    </message>
    <message>
        <source>Close (Esc)</source>
        <translation>关闭（Esc）</translation>
    </message>
    <message>
        <source>Replace with</source>
        <translation>替换为</translation>
    </message>
    <message>
        <source>Replace</source>
        <translation>替换</translation>
    </message>
    <message>
        <source>Replace this match and find the next</source>
        <translation>替换这一处并查找下一处</translation>
    </message>
    <message>
        <source>Replace All</source>
        <translation>全部替换</translation>
    </message>
    <message>
        <source>Replace every match (one undo)</source>
        <translation>替换所有匹配（可一次撤销）</translation>
    </message>
    <message>
        <source>Not found</source>
        <translation>未找到</translation>
    </message>
    <message>
        <source>{index} of {total}</source>
        <translation>第 {index} 处，共 {total} 处</translation>
    </message>
    <message>
        <source>{total} match</source>
        <translation>{total} 处匹配</translation>
    </message>
    <message>
        <source>{total} matches</source>
        <translation>{total} 处匹配</translation>
    </message>
    <message>
        <source>Replaced the last match</source>
        <translation>已替换最后一处匹配</translation>
    </message>
    <message>
        <source>Replaced {count}</source>
        <translation>已替换 {count} 处</translation>
    </message>
</context>
<context>
    <name>JobBar</name>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Stop now and keep what was written</source>
        <translation>立即停止，保留已写出的内容</translation>
    </message>
    <message>
        <source>{step} of {steps}</source>
        <translation>{step}/{steps}</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Suggesting…</source>
        <translation>正在生成建议…</translation>
    </message>
    <message>
        <source>Accept the whole suggestion</source>
        <translation>接受整条建议</translation>
    </message>
    <message>
        <source>Accept the next word of the suggestion</source>
        <translation>接受建议中的下一个词</translation>
    </message>
    <message>
        <source>Dismiss the suggestion</source>
        <translation>放弃建议</translation>
    </message>
    <message>
        <source>Next / previous alternative</source>
        <translation>下一个 / 上一个候选</translation>
    </message>
    <message>
        <source>In the rewrite panel: accept; stop, then reject</source>
        <translation>在改写面板中：接受；先停止，再放弃</translation>
    </message>
    <message>
        <source>Next document</source>
        <translation>下一个文档</translation>
    </message>
    <message>
        <source>No model loaded</source>
        <translation>未加载模型</translation>
    </message>
    <message>
        <source>Encoding and line endings</source>
        <translation>编码和换行符</translation>
    </message>
    <message>
        <source>&amp;New</source>
        <translation>新建(&amp;N)</translation>
    </message>
    <message>
        <source>&amp;Open…</source>
        <translation>打开(&amp;O)…</translation>
    </message>
    <message>
        <source>&amp;Save</source>
        <translation>保存(&amp;S)</translation>
    </message>
    <message>
        <source>Save &amp;As…</source>
        <translation>另存为(&amp;A)…</translation>
    </message>
    <message>
        <source>&amp;Close</source>
        <translation>关闭(&amp;C)</translation>
    </message>
    <message>
        <source>Close the document</source>
        <translation>关闭文档</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>Next Document</source>
        <translation>下一个文档</translation>
    </message>
    <message>
        <source>&amp;Undo</source>
        <translation>撤销(&amp;U)</translation>
    </message>
    <message>
        <source>&amp;Redo</source>
        <translation>重做(&amp;R)</translation>
    </message>
    <message>
        <source>Cu&amp;t</source>
        <translation>剪切(&amp;T)</translation>
    </message>
    <message>
        <source>&amp;Copy</source>
        <translation>复制(&amp;C)</translation>
    </message>
    <message>
        <source>&amp;Paste</source>
        <translation>粘贴(&amp;P)</translation>
    </message>
    <message>
        <source>Select &amp;All</source>
        <translation>全选(&amp;A)</translation>
    </message>
    <message>
        <source>&amp;Find…</source>
        <translation>查找(&amp;F)…</translation>
    </message>
    <message>
        <source>R&amp;eplace…</source>
        <translation>替换(&amp;E)…</translation>
    </message>
    <message>
        <source>Find and replace</source>
        <translation>查找和替换</translation>
    </message>
    <message>
        <source>Find &amp;Next</source>
        <translation>查找下一个(&amp;N)</translation>
    </message>
    <message>
        <source>Find next</source>
        <translation>查找下一个</translation>
    </message>
    <message>
        <source>Find Pre&amp;vious</source>
        <translation>查找上一个(&amp;V)</translation>
    </message>
    <message>
        <source>Find previous</source>
        <translation>查找上一个</translation>
    </message>
    <message>
        <source>Se&amp;ttings…</source>
        <translation>设置(&amp;T)…</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>&amp;Inline Suggestions</source>
        <translation>续写建议(&amp;I)</translation>
    </message>
    <message>
        <source>Suggest &amp;Now</source>
        <translation>立即建议(&amp;N)</translation>
    </message>
    <message>
        <source>Suggest now</source>
        <translation>立即建议</translation>
    </message>
    <message>
        <source>&amp;Rewrite Selection…</source>
        <translation>改写选中内容(&amp;R)…</translation>
    </message>
    <message>
        <source>Rewrite the selected text in a style</source>
        <translation>按某种风格改写选中的文字</translation>
    </message>
    <message>
        <source>&amp;Generate Code from Docstring</source>
        <translation>根据文档字符串生成代码(&amp;G)</translation>
    </message>
    <message>
        <source>Generate code from docstring (Tab accepts, Esc rejects)</source>
        <translation>根据文档字符串生成代码（Tab 接受，Esc 放弃）</translation>
    </message>
    <message>
        <source>&amp;Accept Suggestion	Tab</source>
        <translation>接受建议(&amp;A)	Tab</translation>
    </message>
    <message>
        <source>Accept Next &amp;Word	Ctrl+Right</source>
        <translation>接受下一个词(&amp;W)	Ctrl+Right</translation>
    </message>
    <message>
        <source>Ne&amp;xt Alternative	Alt+]</source>
        <translation>下一个候选(&amp;X)	Alt+]</translation>
    </message>
    <message>
        <source>&amp;Previous Alternative	Alt+[</source>
        <translation>上一个候选(&amp;P)	Alt+[</translation>
    </message>
    <message>
        <source>&amp;Dismiss	Esc</source>
        <translation>放弃(&amp;D)	Esc</translation>
    </message>
    <message>
        <source>Adapt &amp;to My Writing…</source>
        <translation>学习我的文风(&amp;T)…</translation>
    </message>
    <message>
        <source>Learn your writing from your documents</source>
        <translation>从你的文档中学习你的文风</translation>
    </message>
    <message>
        <source>&amp;Keyboard Shortcuts</source>
        <translation>快捷键(&amp;K)</translation>
    </message>
    <message>
        <source>&amp;About {app}</source>
        <translation>关于 {app}(&amp;A)</translation>
    </message>
    <message>
        <source>Assistant</source>
        <translation>助手</translation>
    </message>
    <message>
        <source>Open &amp;Recent</source>
        <translation>最近打开(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <source>No recent files</source>
        <translation>没有最近的文件</translation>
    </message>
    <message>
        <source>Clear List</source>
        <translation>清空列表</translation>
    </message>
    <message>
        <source>Reopen with Encoding</source>
        <translation>用其他编码重新打开</translation>
    </message>
    <message>
        <source>Save with Encoding</source>
        <translation>用其他编码保存</translation>
    </message>
    <message>
        <source>Line Endings</source>
        <translation>换行符</translation>
    </message>
    <message>
        <source>Starting the model…</source>
        <translation>正在启动模型…</translation>
    </message>
    <message>
        <source>No suggestions: the model could not be loaded</source>
        <translation>没有建议：模型无法加载</translation>
    </message>
    <message>
        <source>The model could not be loaded</source>
        <translation>模型无法加载</translation>
    </message>
    <message>
        <source>{error}

You can keep writing; suggestions are off until a model loads.</source>
        <translation>{error}

你可以继续写作；在模型加载之前，建议功能暂停。</translation>
    </message>
    <message>
        <source>Loaded in {seconds} s</source>
        <translation>加载用时 {seconds} 秒</translation>
    </message>
    <message>
        <source>rewrites</source>
        <translation>改写功能</translation>
    </message>
    <message>
        <source>suggestions</source>
        <translation>续写建议</translation>
    </message>
    <message>
        <source>Nothing to continue here</source>
        <translation>这里没有可续写的内容</translation>
    </message>
    <message>
        <source>Could not save the settings</source>
        <translation>无法保存设置</translation>
    </message>
    <message>
        <source>{error}

They apply until you quit.</source>
        <translation>{error}

这些设置在退出前仍然有效。</translation>
    </message>
    <message>
        <source>Suggestion {index}/{count}</source>
        <translation>建议 {index}/{count}</translation>
    </message>
    <message>
        <source>A recovery copy could not be read ({reason}); kept aside</source>
        <translation>有一份恢复副本无法读取（{reason}），已另行保留</translation>
    </message>
    <message>
        <source>No {what}: {error}</source>
        <translation>{what}不可用：{error}</translation>
    </message>
    <message>
        <source>The model is still loading…</source>
        <translation>模型仍在加载…</translation>
    </message>
    <message>
        <source>Keyboard Shortcuts</source>
        <translation>快捷键</translation>
    </message>
</context>
<context>
    <name>MarkdownPreview</name>
    <message>
        <source>There is no preview for code.</source>
        <translation>代码没有预览。</translation>
    </message>
    <message>
        <source>This document is too long for a live preview; File → Export as HTML renders it.</source>
        <translation>文档太长，无法实时预览；可通过“文件 → 导出为 HTML”查看渲染效果。</translation>
    </message>
    <message>
        <source>Preview</source>
        <translation>预览</translation>
    </message>
    <message>
        <source>Markdown &amp;Preview</source>
        <translation>Markdown 预览(&amp;P)</translation>
    </message>
    <message>
        <source>Show the rendered Markdown beside the text</source>
        <translation>在文本旁显示渲染后的 Markdown</translation>
    </message>
</context>
<context>
    <name>Menu</name>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Edit</source>
        <translation>编辑(&amp;E)</translation>
    </message>
    <message>
        <source>&amp;Suggestions</source>
        <translation>建议(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Draft</source>
        <translation>草稿(&amp;D)</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
</context>
<context>
    <name>Messages</name>
    <message>
        <source>Warming up {name}…</source>
        <translation>正在预热 {name}…</translation>
    </message>
    <message>
        <source>Connecting to {host}…</source>
        <translation>正在连接 {host}…</translation>
    </message>
    <message>
        <source>{device} failed ({reason}); running on the CPU instead.</source>
        <translation>{device} 出错（{reason}），已改用 CPU 运行。</translation>
    </message>
    <message>
        <source>Could not read the model file {path}: {error}</source>
        <translation>无法读取模型文件 {path}：{error}</translation>
    </message>
    <message>
        <source>Loading {name}…</source>
        <translation>正在加载 {name}…</translation>
    </message>
    <message>
        <source>Converting {name} from GGUF (first use only)…</source>
        <translation>正在从 GGUF 转换 {name}（仅首次使用）…</translation>
    </message>
    <message>
        <source>{precision} runs on the CPU only; using 16-bit precision on {device}.</source>
        <translation>{precision} 只能在 CPU 上运行；在 {device} 上改用 16 位精度。</translation>
    </message>
    <message>
        <source>Could not load {name} from {path}: {error}</source>
        <translation>无法从 {path} 加载 {name}：{error}</translation>
    </message>
    <message>
        <source>{weights} is slow on this CPU (no AVX2); float32 may be faster.</source>
        <translation>{weights} 在这台 CPU 上较慢（不支持 AVX2），float32 可能更快。</translation>
    </message>
    <message>
        <source>Writing {name}: checking candidate {n} of {count}…</source>
        <translation>正在编写 {name}：检查第 {n} 个候选，共 {count} 个…</translation>
    </message>
    <message>
        <source>Writing {name}: candidate {n} of {count}…</source>
        <translation>正在编写 {name}：第 {n} 个候选，共 {count} 个…</translation>
    </message>
    <message>
        <source>Writing {name}: combining the candidates…</source>
        <translation>正在编写 {name}：组合各候选的部分…</translation>
    </message>
    <message>
        <source>Summarizing part {step} of {count}…</source>
        <translation>正在生成摘要：第 {step} 部分，共 {count} 部分…</translation>
    </message>
    <message>
        <source>The built-in model is not installed. Install it with: {hint}</source>
        <translation>内置模型未安装。安装方法：{hint}</translation>
    </message>
    <message>
        <source>{path} is not a model folder (it has no config.json)</source>
        <translation>{path} 不是模型文件夹（没有 config.json）</translation>
    </message>
    <message>
        <source>{path} is neither a model folder nor a .gguf file</source>
        <translation>{path} 既不是模型文件夹，也不是 .gguf 文件</translation>
    </message>
    <message>
        <source>No model at {path}</source>
        <translation>{path} 处没有模型</translation>
    </message>
    <message>
        <source>No model was given</source>
        <translation>未指定模型</translation>
    </message>
    <message>
        <source>{spec} is not in the local Hugging Face cache (Writer works offline; get it with Get Models… or writer-cli models pull, or give a folder or .gguf path)</source>
        <translation>本地 Hugging Face 缓存中没有 {spec}（Writer 离线工作；可通过“获取模型…”或 writer-cli models pull 获取，或者指定一个文件夹或 .gguf 路径）</translation>
    </message>
    <message>
        <source>{first}; {second}</source>
        <translation>{first}；{second}</translation>
    </message>
    <message>
        <source> (passage {n})</source>
        <translation>（第 {n} 段）</translation>
    </message>
    <message>
        <source>its best version {why}{where}</source>
        <translation>最好的版本{why}{where}</translation>
    </message>
    <message>
        <source>the address {text}</source>
        <translation>地址 {text}</translation>
    </message>
    <message>
        <source>the time {text}</source>
        <translation>时间 {text}</translation>
    </message>
    <message>
        <source>the number {text}</source>
        <translation>数字 {text}</translation>
    </message>
    <message>
        <source>the day {text}</source>
        <translation>日子 {text}</translation>
    </message>
    <message>
        <source>the month {text}</source>
        <translation>月份 {text}</translation>
    </message>
    <message>
        <source>the name {text}</source>
        <translation>名称 {text}</translation>
    </message>
    <message>
        <source>is empty</source>
        <translation>是空的</translation>
    </message>
    <message>
        <source>drops {fact}</source>
        <translation>漏掉了{fact}</translation>
    </message>
    <message>
        <source>adds {fact}, which is not in the original</source>
        <translation>加入了原文没有的{fact}</translation>
    </message>
    <message>
        <source>keeps only {share} of the original&apos;s words</source>
        <translation>只保留了原文 {share} 的词</translation>
    </message>
    <message>
        <source>gives the original back (almost) unchanged</source>
        <translation>几乎原样照抄了原文</translation>
    </message>
    <message>
        <source>gives the original back word for word, with words added</source>
        <translation>逐字照抄了原文，只是另加了些话</translation>
    </message>
    <message>
        <source>talks about the text instead of rewriting it: {quote}</source>
        <translation>在谈论这段文字，而不是改写它：{quote}</translation>
    </message>
    <message>
        <source>has chat around the text</source>
        <translation>文字前后夹杂着闲聊</translation>
    </message>
    <message>
        <source>is not a rewrite of the text</source>
        <translation>不是对这段文字的改写</translation>
    </message>
    <message>
        <source>too long for {style}: {n} words, {low}–{high} expected</source>
        <translation>对“{style}”来说太长：{n} 个词，应为 {low}–{high} 个</translation>
    </message>
    <message>
        <source>too short for {style}: {n} words, {low}–{high} expected</source>
        <translation>对“{style}”来说太短：{n} 个词，应为 {low}–{high} 个</translation>
    </message>
    <message>
        <source>is not a question</source>
        <translation>不是问句</translation>
    </message>
    <message>
        <source>is not a request</source>
        <translation>不是请求</translation>
    </message>
    <message>
        <source>borrows from the prompt&apos;s example: {quote}</source>
        <translation>照搬了提示中的示例：{quote}</translation>
    </message>
    <message>
        <source>repeats the request: {quote}</source>
        <translation>重复了请求中的内容：{quote}</translation>
    </message>
</context>
<context>
    <name>ModelLibraryColumns</name>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Download</source>
        <translation>下载大小</translation>
    </message>
    <message>
        <source>Memory</source>
        <translation>内存</translation>
    </message>
    <message>
        <source>Context</source>
        <translation>上下文</translation>
    </message>
    <message>
        <source>License</source>
        <translation>许可证</translation>
    </message>
    <message>
        <source>Languages</source>
        <translation>语言</translation>
    </message>
    <message>
        <source>Fits here</source>
        <translation>本机适用</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
</context>
<context>
    <name>ModelLibraryDialog</name>
    <message>
        <source>Get Models</source>
        <translation>获取模型</translation>
    </message>
    <message>
        <source>The catalog could not be read: {reason}</source>
        <translation>无法读取模型目录：{reason}</translation>
    </message>
    <message>
        <source>Which quantisation of this GGUF model to download</source>
        <translation>要下载此 GGUF 模型的哪种量化版本</translation>
    </message>
    <message>
        <source>List Files</source>
        <translation>列出文件</translation>
    </message>
    <message>
        <source>Ask the Hub which GGUF files this repo has</source>
        <translation>向 Hub 查询此仓库有哪些 GGUF 文件</translation>
    </message>
    <message>
        <source>GGUF file</source>
        <translation>GGUF 文件</translation>
    </message>
    <message>
        <source>Any Hugging Face repo id, e.g. Qwen/Qwen2.5-7B-Instruct</source>
        <translation>任意 Hugging Face 仓库 ID，例如 Qwen/Qwen2.5-7B-Instruct</translation>
    </message>
    <message>
        <source>Check</source>
        <translation>检查</translation>
    </message>
    <message>
        <source>Ask the Hub what this repo has and whether Writer can use it</source>
        <translation>向 Hub 查询此仓库的内容，以及 Writer 能否使用</translation>
    </message>
    <message>
        <source>Other model</source>
        <translation>其他模型</translation>
    </message>
    <message>
        <source>Download</source>
        <translation>下载</translation>
    </message>
    <message>
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <source>Stop now; Download later continues where it stopped</source>
        <translation>立即停止；之后点击“下载”会从中断处继续</translation>
    </message>
    <message>
        <source>Use This Model</source>
        <translation>使用此模型</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>移除</translation>
    </message>
    <message>
        <source>Delete it from the Hugging Face cache to free the space</source>
        <translation>从 Hugging Face 缓存中删除，释放空间</translation>
    </message>
    <message>
        <source>A Hugging Face token was found (for gated models).</source>
        <translation>已找到 Hugging Face 令牌（用于受限模型）。</translation>
    </message>
    <message>
        <source>No Hugging Face token: gated models need `hf auth login` or HF_TOKEN.</source>
        <translation>未找到 Hugging Face 令牌：受限模型需要先运行 `hf auth login` 或设置 HF_TOKEN。</translation>
    </message>
    <message>
        <source>Models download from the Hugging Face Hub into its shared cache ({folder}, {free} free), only when you click Download. Safetensors only; model code is never run. {token}</source>
        <translation>模型从 Hugging Face Hub 下载到其共享缓存（{folder}，可用 {free}），且只在你点击“下载”时才下载。仅下载 Safetensors 格式，从不运行模型代码。{token}</translation>
    </message>
    <message>
        <source>Yes</source>
        <translation>是</translation>
    </message>
    <message>
        <source>Tight</source>
        <translation>勉强</translation>
    </message>
    <message>
        <source>No</source>
        <translation>否</translation>
    </message>
    <message>
        <source>Memory once loaded: {sizes}. On the CPU, Writer loads float32 first, so that much must be free while loading.</source>
        <translation>加载后占用内存：{sizes}。在 CPU 上，Writer 会先以 float32 加载，因此加载时需要有这么多空闲内存。</translation>
    </message>
    <message>
        <source>Waiting…</source>
        <translation>等待中…</translation>
    </message>
    <message>
        <source>Pausing…</source>
        <translation>正在暂停…</translation>
    </message>
    <message>
        <source>Starting…</source>
        <translation>正在开始…</translation>
    </message>
    <message>
        <source>Failed: {reason}</source>
        <translation>失败：{reason}</translation>
    </message>
    <message>
        <source>Downloaded · {size} on disk</source>
        <translation>已下载 · 占用磁盘 {size}</translation>
    </message>
    <message>
        <source>Paused · {size} downloaded</source>
        <translation>已暂停 · 已下载 {size}</translation>
    </message>
    <message>
        <source>{parameters}B parameters · about {size} to download · context {context} tokens · {license} · {languages}</source>
        <translation>{parameters}B 参数 · 下载约 {size} · 上下文 {context} 个词元 · {license} · {languages}</translation>
    </message>
    <message>
        <source>{repo} is ready.</source>
        <translation>{repo} 已就绪。</translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>继续下载</translation>
    </message>
    <message>
        <source>Delete {repo} ({size}) from the Hugging Face cache?</source>
        <translation>要从 Hugging Face 缓存中删除 {repo}（{size}）吗？</translation>
    </message>
    <message>
        <source>{question} It is the model Writer uses now; choose another one afterwards.</source>
        <translation>{question}这是 Writer 当前使用的模型，删除后请另选一个。</translation>
    </message>
    <message>
        <source>Remove Model</source>
        <translation>移除模型</translation>
    </message>
    <message>
        <source>Removed {repo}: {size} freed.</source>
        <translation>已移除 {repo}：释放了 {size}。</translation>
    </message>
    <message>
        <source>Asking the Hub about {repo}…</source>
        <translation>正在向 Hub 查询 {repo}…</translation>
    </message>
    <message>
        <source>Asking the Hub for the files of {repo}…</source>
        <translation>正在向 Hub 查询 {repo} 的文件…</translation>
    </message>
</context>
<context>
    <name>Preset</name>
    <message>
        <source>Precise</source>
        <translation>精确</translation>
    </message>
    <message>
        <source>Balanced</source>
        <translation>均衡</translation>
    </message>
    <message>
        <source>Creative</source>
        <translation>创意</translation>
    </message>
    <message>
        <source>Deterministic</source>
        <translation>确定</translation>
    </message>
    <message>
        <source>Custom</source>
        <translation>自定义</translation>
    </message>
</context>
<context>
    <name>RecoveryDialog</name>
    <message>
        <source>never saved</source>
        <translation>从未保存</translation>
    </message>
    <message>
        <source>{title} — {count} characters, {when}
{where}</source>
        <translation>{title} — {count} 个字符，{when}
{where}</translation>
    </message>
    <message>
        <source>Recover Unsaved Work</source>
        <translation>恢复未保存的内容</translation>
    </message>
    <message>
        <source>Restore</source>
        <translation>恢复</translation>
    </message>
    <message>
        <source>Compare with File…</source>
        <translation>与文件比较…</translation>
    </message>
    <message>
        <source>Discard</source>
        <translation>放弃</translation>
    </message>
    <message>
        <source>Decide Later</source>
        <translation>稍后决定</translation>
    </message>
    <message>
        <source>Keep the copies; they are offered again at the next start</source>
        <translation>保留这些副本，下次启动时会再次提供</translation>
    </message>
    <message>
        <source>{app} was not closed properly last time. These documents had unsaved changes:</source>
        <translation>{app} 上次没有正常关闭。以下文档有未保存的更改：</translation>
    </message>
    <message>
        <source>{title} could not be read back: {error}</source>
        <translation>无法读回 {title}：{error}</translation>
    </message>
    <message>
        <source>the file on disk</source>
        <translation>磁盘上的文件</translation>
    </message>
    <message>
        <source>the recovered copy</source>
        <translation>恢复的副本</translation>
    </message>
</context>
<context>
    <name>RewritePanel</name>
    <message>
        <source>Custom instruction…</source>
        <translation>自定义指令…</translation>
    </message>
    <message>
        <source>Edit your styles…</source>
        <translation>编辑我的风格…</translation>
    </message>
    <message>
        <source>Rewrite</source>
        <translation>改写</translation>
    </message>
    <message>
        <source>&amp;Accept</source>
        <translation>接受(&amp;A)</translation>
    </message>
    <message>
        <source>Replace the passage with the rewrite (Ctrl+Return)</source>
        <translation>用改写结果替换这段文字（Ctrl+Return）</translation>
    </message>
    <message>
        <source>&amp;Try Again</source>
        <translation>重试(&amp;T)</translation>
    </message>
    <message>
        <source>Sample another version</source>
        <translation>重新采样一个版本</translation>
    </message>
    <message>
        <source>Show An&amp;yway</source>
        <translation>仍然显示(&amp;Y)</translation>
    </message>
    <message>
        <source>Show the model&apos;s best attempt although it failed the checks; you may accept it</source>
        <translation>显示模型的最佳尝试，尽管它未通过检查；你仍可接受它</translation>
    </message>
    <message>
        <source>Re&amp;write Current Text</source>
        <translation>改写当前文字(&amp;W)</translation>
    </message>
    <message>
        <source>Rewrite the passage as it reads now</source>
        <translation>按这段文字的当前内容重新改写</translation>
    </message>
    <message>
        <source>&amp;Stop</source>
        <translation>停止(&amp;S)</translation>
    </message>
    <message>
        <source>Stop the model now (Esc)</source>
        <translation>立即停止模型（Esc）</translation>
    </message>
    <message>
        <source>&amp;Reject</source>
        <translation>放弃(&amp;R)</translation>
    </message>
    <message>
        <source>Leave the document as it is (Esc)</source>
        <translation>保持文档不变（Esc）</translation>
    </message>
    <message>
        <source>Custom Rewrite</source>
        <translation>自定义改写</translation>
    </message>
    <message>
        <source>How should the selected text be rewritten?</source>
        <translation>要如何改写所选文字？</translation>
    </message>
    <message>
        <source>Custom</source>
        <translation>自定义</translation>
    </message>
    <message>
        <source>Select the text to rewrite first.</source>
        <translation>请先选择要改写的文字。</translation>
    </message>
    <message>
        <source>The model is not ready yet; try again when it has loaded.</source>
        <translation>模型尚未就绪，请在加载完成后重试。</translation>
    </message>
    <message>
        <source>The selection is only whitespace: there is nothing to rewrite.</source>
        <translation>所选内容只有空白，没有可改写的文字。</translation>
    </message>
    <message>
        <source>The passage is gone: there is nothing to rewrite.</source>
        <translation>这段文字已不存在，没有可改写的内容。</translation>
    </message>
    <message>
        <source>Rewrite · {style}</source>
        <translation>改写 · {style}</translation>
    </message>
    <message>
        <source>The rewrite failed: {reason}</source>
        <translation>改写失败：{reason}</translation>
    </message>
    <message>
        <source>Shown anyway: check the names, numbers and dates before accepting.</source>
        <translation>已强制显示：接受前请核对其中的名称、数字和日期。</translation>
    </message>
    <message>
        <source>Starting…</source>
        <translation>正在开始…</translation>
    </message>
    <message>
        <source>Passage {current} of {total}</source>
        <translation>第 {current}/{total} 段</translation>
    </message>
    <message>
        <source>Writing</source>
        <translation>正在改写</translation>
    </message>
    <message>
        <source>{step} · checking version {version} of {versions}</source>
        <translation>{step} · 正在检查第 {version}/{versions} 个版本</translation>
    </message>
    <message>
        <source>Stopped: {done} of {total} passages rewritten</source>
        <translation>已停止：{total} 段中已改写 {done} 段</translation>
    </message>
    <message>
        <source>Kept as it was</source>
        <translation>已保留原文</translation>
    </message>
    <message>
        <source>{kept} of {total} passages kept as they were</source>
        <translation>{total} 段中有 {kept} 段保留原文</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>完成</translation>
    </message>
    <message>
        <source>The model could not rewrite this faithfully: {why}. Try Again, pick another style, or choose a larger model in Settings.</source>
        <translation>模型未能忠实地改写这段文字：{why}。请重试、换一种风格，或在设置中选择更大的模型。</translation>
    </message>
    <message>
        <source>The model could not rewrite {held} of {total} passages faithfully: {why}. Try Again, pick another style, or choose a larger model in Settings.</source>
        <translation>模型未能忠实地改写 {total} 段中的 {held} 段：{why}。请重试、换一种风格，或在设置中选择更大的模型。</translation>
    </message>
    <message>
        <source>Nothing usable came back; try again or another style.</source>
        <translation>没有得到可用的结果，请重试或换一种风格。</translation>
    </message>
    <message>
        <source>Rewritten ({style}).</source>
        <translation>已改写（{style}）。</translation>
    </message>
    <message>
        <source>The passage changed since the rewrite started, so it will not be applied over your edits. Rewrite the current text, or reject.</source>
        <translation>改写开始后这段文字已被修改，因此不会覆盖你的编辑。请改写当前文字，或放弃。</translation>
    </message>
</context>
<context>
    <name>SectionPreview</name>
    <message>
        <source>The new text appears here as it is written…</source>
        <translation>新写的文字会在这里逐步显示…</translation>
    </message>
</context>
<context>
    <name>Session</name>
    <message>
        <source>Not reopened, no longer there: {names}</source>
        <translation>以下文件已不存在，未重新打开：{names}</translation>
    </message>
</context>
<context>
    <name>Settings</name>
    <message>
        <source>Inline suggestions</source>
        <translation>续写建议</translation>
    </message>
    <message>
        <source>Offer a continuation as grey text when you pause.</source>
        <translation>停顿时以灰色文字给出续写。</translation>
    </message>
    <message>
        <source>Suggestion delay (ms)</source>
        <translation>建议延迟（毫秒）</translation>
    </message>
    <message>
        <source>How long to wait after the last keystroke before suggesting.</source>
        <translation>最后一次按键后等待多久再给出建议。</translation>
    </message>
    <message>
        <source>Suggestion length</source>
        <translation>建议长度</translation>
    </message>
    <message>
        <source>Where a suggestion ends: the end of the sentence, of the paragraph, or only at the length limit (Continuation → Max new tokens).</source>
        <translation>建议在哪里结束：句末、段末，或只在长度上限处（续写 → 最大新词元数）。</translation>
    </message>
    <message>
        <source>sentence</source>
        <comment>suggestion_length</comment>
        <translation>句末</translation>
    </message>
    <message>
        <source>paragraph</source>
        <comment>suggestion_length</comment>
        <translation>段末</translation>
    </message>
    <message>
        <source>length</source>
        <comment>suggestion_length</comment>
        <translation>长度上限</translation>
    </message>
    <message>
        <source>Context (tokens)</source>
        <translation>上下文（词元）</translation>
    </message>
    <message>
        <source>How much of the text before the cursor the model reads for a suggestion.</source>
        <translation>生成建议时，模型读取光标前多少文字。</translation>
    </message>
    <message>
        <source>Font</source>
        <translation>字体</translation>
    </message>
    <message>
        <source>The editor&apos;s font (empty = the system&apos;s).</source>
        <translation>编辑器的字体（留空 = 系统字体）。</translation>
    </message>
    <message>
        <source>Font size</source>
        <translation>字号</translation>
    </message>
    <message>
        <source>The editor&apos;s font size in points.</source>
        <translation>编辑器的字号（磅）。</translation>
    </message>
    <message>
        <source>Theme</source>
        <translation>主题</translation>
    </message>
    <message>
        <source>Light or dark colours, or follow the system.</source>
        <translation>浅色或深色，或跟随系统。</translation>
    </message>
    <message>
        <source>system</source>
        <comment>theme</comment>
        <translation>跟随系统</translation>
    </message>
    <message>
        <source>light</source>
        <comment>theme</comment>
        <translation>浅色</translation>
    </message>
    <message>
        <source>dark</source>
        <comment>theme</comment>
        <translation>深色</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <source>The language of menus and dialogs: the system&apos;s (empty), English (en) or Simplified Chinese (zh_CN). Takes effect when Writer restarts.</source>
        <translation>菜单和对话框使用的语言：跟随系统（留空）、英语（en）或简体中文（zh_CN）。重启 Writer 后生效。</translation>
    </message>
    <message>
        <source>Check spelling</source>
        <translation>拼写检查</translation>
    </message>
    <message>
        <source>Underline words the English dictionary does not know (not in Python files).</source>
        <translation>给英语词典里没有的单词加下划线（Python 文件除外）。</translation>
    </message>
    <message>
        <source>Autosave after (s)</source>
        <translation>自动保存延迟（秒）</translation>
    </message>
    <message>
        <source>Keep a recovery copy of unsaved work this long after you stop typing.</source>
        <translation>停止输入这么久之后，为未保存的内容保留一份恢复副本。</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>The model: &apos;builtin&apos;, a Hugging Face repo id in the local cache, a folder or a .gguf file.</source>
        <translation>模型：&apos;builtin&apos;（内置模型）、本地缓存中的 Hugging Face 仓库 ID、文件夹或 .gguf 文件。</translation>
    </message>
    <message>
        <source>Device</source>
        <translation>设备</translation>
    </message>
    <message>
        <source>Where the model runs; auto picks CUDA, then MPS, then the CPU.</source>
        <translation>模型在哪里运行；自动时依次选择 CUDA、MPS、CPU。</translation>
    </message>
    <message>
        <source>auto</source>
        <comment>device</comment>
        <translation>自动</translation>
    </message>
    <message>
        <source>cpu</source>
        <comment>device</comment>
        <translation>CPU</translation>
    </message>
    <message>
        <source>cuda</source>
        <comment>device</comment>
        <translation>CUDA</translation>
    </message>
    <message>
        <source>mps</source>
        <comment>device</comment>
        <translation>MPS</translation>
    </message>
    <message>
        <source>Precision</source>
        <translation>精度</translation>
    </message>
    <message>
        <source>Number format of the weights: auto is 16-bit on GPUs and, on the CPU, int4 for 4-bit models such as the built-in one, float32 for others. int4 and int8 (CPU only) are 2-4x faster than float32 and smaller; int4 is exact for 4-bit models and rounds others more than int8, whose output stays close to float32.</source>
        <translation>权重的数值格式：自动时，GPU 上用 16 位；CPU 上，4 位模型（如内置模型）用 int4，其他模型用 float32。int4 和 int8（仅限 CPU）比 float32 快 2–4 倍，而且更小；int4 对 4 位模型没有损失，对其他模型的舍入比 int8 多，int8 的输出则与 float32 很接近。</translation>
    </message>
    <message>
        <source>auto</source>
        <comment>precision</comment>
        <translation>自动</translation>
    </message>
    <message>
        <source>float32</source>
        <comment>precision</comment>
        <translation>float32</translation>
    </message>
    <message>
        <source>bfloat16</source>
        <comment>precision</comment>
        <translation>bfloat16</translation>
    </message>
    <message>
        <source>float16</source>
        <comment>precision</comment>
        <translation>float16</translation>
    </message>
    <message>
        <source>int8</source>
        <comment>precision</comment>
        <translation>int8</translation>
    </message>
    <message>
        <source>int4</source>
        <comment>precision</comment>
        <translation>int4</translation>
    </message>
    <message>
        <source>CPU threads</source>
        <translation>CPU 线程数</translation>
    </message>
    <message>
        <source>CPU threads the model may use (0 = automatic).</source>
        <translation>模型可以使用的 CPU 线程数（0 = 自动）。</translation>
    </message>
    <message>
        <source>Model paths</source>
        <translation>模型路径</translation>
    </message>
    <message>
        <source>More model folders or .gguf files to list beside the built-in model.</source>
        <translation>在内置模型之外列出的其他模型文件夹或 .gguf 文件。</translation>
    </message>
    <message>
        <source>Run on</source>
        <translation>运行于</translation>
    </message>
    <message>
        <source>Where text is generated: the local model on this machine, or a model server that speaks the OpenAI API (vLLM, llama.cpp&apos;s server, Ollama, LM Studio, TGI).</source>
        <translation>在哪里生成文字：这台电脑上的本地模型，或兼容 OpenAI API 的模型服务器（vLLM、llama.cpp 的服务器、Ollama、LM Studio、TGI）。</translation>
    </message>
    <message>
        <source>local</source>
        <comment>backend</comment>
        <translation>本地</translation>
    </message>
    <message>
        <source>server</source>
        <comment>backend</comment>
        <translation>服务器</translation>
    </message>
    <message>
        <source>Server URL</source>
        <translation>服务器地址</translation>
    </message>
    <message>
        <source>The server&apos;s address, e.g. http://gpu-box:8000/v1.</source>
        <translation>服务器的地址，例如 http://gpu-box:8000/v1。</translation>
    </message>
    <message>
        <source>Server model</source>
        <translation>服务器模型</translation>
    </message>
    <message>
        <source>The model on the server (empty = the first one it lists).</source>
        <translation>服务器上的模型（留空 = 它列出的第一个）。</translation>
    </message>
    <message>
        <source>API key</source>
        <translation>API 密钥</translation>
    </message>
    <message>
        <source>The server&apos;s API key, if it needs one (empty = the WRITER_API_KEY environment variable). Kept in the settings file, which only you can read.</source>
        <translation>服务器的 API 密钥，需要时填写（留空 = 使用环境变量 WRITER_API_KEY）。保存在设置文件中，只有你能读取。</translation>
    </message>
    <message>
        <source>Server timeout (s)</source>
        <translation>服务器超时（秒）</translation>
    </message>
    <message>
        <source>Seconds to wait for the server: to connect, for the first text, and for any pause in a reply.</source>
        <translation>等待服务器的秒数：连接、等待第一段文字，以及回复中的每次停顿。</translation>
    </message>
    <message>
        <source>Fall back to the local model</source>
        <translation>回退到本地模型</translation>
    </message>
    <message>
        <source>When the server cannot be reached, use the local model instead (and say so).</source>
        <translation>无法连接服务器时改用本地模型（并给出提示）。</translation>
    </message>
    <message>
        <source>Adapter</source>
        <translation>适配器</translation>
    </message>
    <message>
        <source>An adapter learned from your writing (writer-cli adapt; writer-cli adapters lists them), used by the local model (see Adapter used for). Empty = none.</source>
        <translation>从你的文字学到的适配器（writer-cli adapt；writer-cli adapters 列出它们），由本地模型使用（见“适配器用于”）。留空 = 不用。</translation>
    </message>
    <message>
        <source>Adapter used for</source>
        <translation>适配器用于</translation>
    </message>
    <message>
        <source>What the adapter is used for: continuations (the suggestions as you type, and code completed as text: writing like the text it learned from) or every task (rewrites, drafts, summaries and chat-style code requests too).</source>
        <translation>适配器用在哪些任务上：续写（打字时的建议，以及按文本补全的代码：写得像它学过的文字），或所有任务（改写、起草、摘要和对话式的代码请求也用）。</translation>
    </message>
    <message>
        <source>continuations</source>
        <comment>adapter_use</comment>
        <translation>续写</translation>
    </message>
    <message>
        <source>every task</source>
        <comment>adapter_use</comment>
        <translation>所有任务</translation>
    </message>
    <message>
        <source>Sampling</source>
        <translation>采样</translation>
    </message>
    <message>
        <source>Sample from the likely tokens instead of always taking the likeliest (greedy). Off is focused and repeatable; on is varied.</source>
        <translation>从较可能的词元中采样，而不是总取最可能的那个（贪心）。关闭时更集中、可复现；开启时更多样。</translation>
    </message>
    <message>
        <source>Temperature</source>
        <translation>温度</translation>
    </message>
    <message>
        <source>Randomness of sampling: lower is more focused, higher more surprising.</source>
        <translation>采样的随机程度：越低越集中，越高越出人意料。</translation>
    </message>
    <message>
        <source>Top-k</source>
        <translation>Top-k</translation>
    </message>
    <message>
        <source>Sample only among the K likeliest tokens (0 = no limit).</source>
        <translation>只在最可能的 K 个词元中采样（0 = 不限）。</translation>
    </message>
    <message>
        <source>Top-p</source>
        <translation>Top-p</translation>
    </message>
    <message>
        <source>Sample only among the likeliest tokens that together have probability P.</source>
        <translation>只在累计概率达到 P 的最可能的词元中采样。</translation>
    </message>
    <message>
        <source>Min-p</source>
        <translation>Min-p</translation>
    </message>
    <message>
        <source>Drop tokens less likely than P times the likeliest one (0 = off).</source>
        <translation>舍弃概率低于最可能词元 P 倍的词元（0 = 关闭）。</translation>
    </message>
    <message>
        <source>Typical-p</source>
        <translation>Typical-p</translation>
    </message>
    <message>
        <source>Keep tokens whose surprise is close to the expected surprise (1 = off).</source>
        <translation>只保留意外程度接近预期的词元（1 = 关闭）。</translation>
    </message>
    <message>
        <source>Repetition penalty</source>
        <translation>重复惩罚</translation>
    </message>
    <message>
        <source>Above 1 discourages tokens that are already in the text (1 = off).</source>
        <translation>大于 1 时抑制文中已有的词元（1 = 关闭）。</translation>
    </message>
    <message>
        <source>No-repeat n-gram size</source>
        <translation>禁止重复的 n 元长度</translation>
    </message>
    <message>
        <source>Never repeat any run of this many tokens (0 = off).</source>
        <translation>任何连续这么多个词元都不重复出现（0 = 关闭）。</translation>
    </message>
    <message>
        <source>Beams</source>
        <translation>束数</translation>
    </message>
    <message>
        <source>Keep this many candidate texts at each step and return the best (1 = off). Slower; the text appears when it is finished.</source>
        <translation>每一步保留这么多条候选文字，返回其中最好的（1 = 关闭）。较慢；文字写完后才显示。</translation>
    </message>
    <message>
        <source>Length penalty</source>
        <translation>长度惩罚</translation>
    </message>
    <message>
        <source>With beams: above 1 favours longer texts, below 1 shorter ones.</source>
        <translation>使用多束时：大于 1 偏向较长的文字，小于 1 偏向较短的。</translation>
    </message>
    <message>
        <source>Max new tokens</source>
        <translation>最大新词元数</translation>
    </message>
    <message>
        <source>The most tokens one request may generate.</source>
        <translation>一次请求最多生成的词元数。</translation>
    </message>
    <message>
        <source>Max time (s)</source>
        <translation>最长时间（秒）</translation>
    </message>
    <message>
        <source>Stop generating after this many seconds (0 = no limit).</source>
        <translation>生成这么多秒后停止（0 = 不限）。</translation>
    </message>
    <message>
        <source>Alternatives</source>
        <translation>候选数</translation>
    </message>
    <message>
        <source>How many candidates one request offers; the first follows the settings above, the others are sampled. Code writes them one at a time and stops at the first that passes its doctests (or, unchecked, the first usable one).</source>
        <translation>一次请求给出多少个候选：第一个按上面的设置生成，其余通过采样生成。代码一次写一个，写到第一个通过 doctest 的候选就停止（不检查时，则是第一个可用的）。</translation>
    </message>
    <message>
        <source>Seed</source>
        <translation>随机种子</translation>
    </message>
    <message>
        <source>Random seed, for reproducible sampling (empty = random).</source>
        <translation>随机种子，用于可复现的采样（留空 = 随机）。</translation>
    </message>
    <message>
        <source>Stop strings</source>
        <translation>停止字符串</translation>
    </message>
    <message>
        <source>Stop when the text contains one of these; it is not included.</source>
        <translation>文字中出现其中任何一个时停止（它本身不包含在内）。</translation>
    </message>
    <message>
        <source>Banned words and phrases</source>
        <translation>禁用词语</translation>
    </message>
    <message>
        <source>Words or phrases the model may not write.</source>
        <translation>模型不得写出的词语或短语。</translation>
    </message>
    <message>
        <source>Versions to try</source>
        <translation>尝试的版本数</translation>
    </message>
    <message>
        <source>Rewrite: the most versions of a passage to write. The first is the one the decoding settings give; while none keeps every fact of the original (names, numbers, days, times) and reads as a rewrite in the style, more are written, a few at a time: sampled, then asked with the names and numbers to keep listed, then begun with the passage&apos;s first words (a question with &quot;Is it true that&quot;). A passage whose versions all fail keeps its text, and the panel says why.</source>
        <translation>改写：一段文字最多写多少个版本。第一个版本按解码设置生成；只要还没有哪个版本保留了原文的全部事实（名称、数字、日期、时间）且读起来是该风格的改写，就继续写更多版本，每次几个：先采样，再在请求中列出要保留的名称和数字，再以原段落的开头几个词起笔（要改成问句时以“Is it true that”起笔）。所有版本都不合格的段落保留原文，面板会说明原因。</translation>
    </message>
    <message>
        <source>Run generated code to check it (doctests)</source>
        <translation>运行生成的代码来检查（doctest）</translation>
    </message>
    <message>
        <source>Generate code from docstring: check each body the model writes by running the docstring&apos;s examples (doctests). This runs code written by the model on this computer, in a separate process with a time limit, memory and CPU limits, its own temporary folder and none of your environment variables. On Linux the kernel also confines it (namespaces, Landlock, seccomp: no network, no other processes, your files read-only and your home folder unreadable); where the system lacks one of these, a pass says &quot;verified with reduced isolation (no …)&quot;. Off: bodies are only checked to parse.</source>
        <translation>根据文档字符串生成代码：运行文档字符串中的示例（doctest），检查模型写出的每个函数体。这会在这台电脑上运行模型写的代码：在单独的进程中运行，有时间、内存和 CPU 限制，使用自己的临时文件夹，不带你的任何环境变量。在 Linux 上，内核还会限制它（命名空间、Landlock、seccomp：不能联网，不能访问其他进程，你的文件只读，主文件夹不可读）；系统缺少其中某项时，通过的结果会注明“verified with reduced isolation (no …)”。关闭时：只检查函数体能否解析。</translation>
    </message>
    <message>
        <source>Summary form</source>
        <translation>摘要形式</translation>
    </message>
    <message>
        <source>What the summary looks like: one sentence, a short paragraph, or bullet points.</source>
        <translation>摘要的形式：一句话、一小段话，或要点列表。</translation>
    </message>
    <message>
        <source>sentence</source>
        <comment>form</comment>
        <translation>一句话</translation>
    </message>
    <message>
        <source>paragraph</source>
        <comment>form</comment>
        <translation>一段话</translation>
    </message>
    <message>
        <source>bullets</source>
        <comment>form</comment>
        <translation>要点列表</translation>
    </message>
    <message>
        <source>Click or hover over a setting to see what it does.</source>
        <translation>点击某项设置或将鼠标悬停在上面，即可查看它的作用。</translation>
    </message>
    <message>
        <source>Editor</source>
        <translation>编辑器</translation>
    </message>
    <message>
        <source>Model &amp; Device</source>
        <translation>模型与设备</translation>
    </message>
    <message>
        <source>Rewrite Styles</source>
        <translation>改写风格</translation>
    </message>
    <message>
        <source>built-in</source>
        <translation>内置</translation>
    </message>
    <message>
        <source>hf-cache</source>
        <translation>Hugging Face 缓存</translation>
    </message>
    <message>
        <source>folder</source>
        <translation>文件夹</translation>
    </message>
    <message>
        <source>gguf</source>
        <translation>GGUF</translation>
    </message>
    <message>
        <source>0 (greedy)</source>
        <translation>0（贪心）</translation>
    </message>
    <message>
        <source>System default</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <source>One per line</source>
        <translation>每行一项</translation>
    </message>
    <message>
        <source>random</source>
        <translation>随机</translation>
    </message>
    <message>
        <source>Apply a preset; changing any value below makes it Custom.</source>
        <translation>应用一个预设；改动下面任何一项都会变成“自定义”。</translation>
    </message>
    <message>
        <source>Save as Preset…</source>
        <translation>另存为预设…</translation>
    </message>
    <message>
        <source>Rename…</source>
        <translation>重命名…</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message>
        <source>Reset to Defaults</source>
        <translation>恢复默认值</translation>
    </message>
    <message>
        <source>Preset</source>
        <translation>预设</translation>
    </message>
    <message>
        <source>Used for the alternatives, which are always sampled.</source>
        <translation>用于候选（候选总是采样生成）。</translation>
    </message>
    <message>
        <source>Not used: {why}. {help}</source>
        <translation>未使用：{why}。{help}</translation>
    </message>
    <message>
        <source>Preset name:</source>
        <translation>预设名称：</translation>
    </message>
    <message>
        <source>There is already a preset called {name}.</source>
        <translation>已经有名为 {name} 的预设。</translation>
    </message>
    <message>
        <source>Save as Preset</source>
        <translation>另存为预设</translation>
    </message>
    <message>
        <source>Rename Preset</source>
        <translation>重命名预设</translation>
    </message>
    <message>
        <source>Add Folder…</source>
        <translation>添加文件夹…</translation>
    </message>
    <message>
        <source>Add GGUF File…</source>
        <translation>添加 GGUF 文件…</translation>
    </message>
    <message>
        <source>Forget</source>
        <translation>移除</translation>
    </message>
    <message>
        <source>Remove this added path from the list (nothing is deleted)</source>
        <translation>从列表中移除这个添加的路径（不会删除任何文件）</translation>
    </message>
    <message>
        <source>Get Models…</source>
        <translation>获取模型…</translation>
    </message>
    <message>
        <source>Download a better model from the Hugging Face Hub</source>
        <translation>从 Hugging Face Hub 下载更好的模型</translation>
    </message>
    <message>
        <source>none, or from {variable}</source>
        <translation>无，或取自 {variable}</translation>
    </message>
    <message>
        <source>Test Connection</source>
        <translation>测试连接</translation>
    </message>
    <message>
        <source>Ask the server for its models and what it can take</source>
        <translation>向服务器查询它有哪些模型、支持哪些参数</translation>
    </message>
    <message>
        <source>{model} (not found)</source>
        <translation>{model}（未找到）</translation>
    </message>
    <message>
        <source>Text is generated on the server; the local model below is loaded only if the server cannot be reached and falling back is on.</source>
        <translation>文字在服务器上生成；只有在连不上服务器且开启了回退时，才会加载下面的本地模型。</translation>
    </message>
    <message>
        <source>This model is not on this machine.</source>
        <translation>这台电脑上没有这个模型。</translation>
    </message>
    <message>
        <source>{size} MiB on disk</source>
        <translation>磁盘占用 {size} MiB</translation>
    </message>
    <message>
        <source>{size} MiB GGUF file</source>
        <translation>{size} MiB 的 GGUF 文件</translation>
    </message>
    <message>
        <source> + {size} MiB converted copy in the cache</source>
        <translation> + 缓存中 {size} MiB 的转换副本</translation>
    </message>
    <message>
        <source> (converted into the cache on first use)</source>
        <translation>（首次使用时转换到缓存中）</translation>
    </message>
    <message>
        <source>{disk} · needs about {size} GB of memory on {device}</source>
        <translation>{disk} · 在 {device} 上约需 {size} GB 内存</translation>
    </message>
    <message>
        <source>the server</source>
        <translation>服务器</translation>
    </message>
    <message>
        <source>Asking {server}…</source>
        <translation>正在询问 {server}…</translation>
    </message>
    <message>
        <source>It has no model named {name}.</source>
        <translation>它没有名为 {name} 的模型。</translation>
    </message>
    <message>
        <source>Model Folder</source>
        <translation>模型文件夹</translation>
    </message>
    <message>
        <source>GGUF Model</source>
        <translation>GGUF 模型</translation>
    </message>
    <message>
        <source>GGUF models (*.gguf)</source>
        <translation>GGUF 模型 (*.gguf)</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Instruction</source>
        <translation>指令</translation>
    </message>
    <message>
        <source>Your styles appear in the Rewrite menu after the built-in ones. A short, direct instruction works best, e.g. “Rewrite the text as a pirate would say it.”</source>
        <translation>你的风格显示在改写菜单中内置风格的后面。简短直接的指令效果最好，例如“用海盗的口吻改写这段文字。”</translation>
    </message>
    <message>
        <source>&amp;Add Style</source>
        <translation>添加风格(&amp;A)</translation>
    </message>
    <message>
        <source>&amp;Remove Style</source>
        <translation>删除风格(&amp;R)</translation>
    </message>
    <message>
        <source>, </source>
        <comment>between the names in a list</comment>
        <translation>、</translation>
    </message>
    <message>
        <source>Built-in styles: {names}.</source>
        <translation>内置风格：{names}。</translation>
    </message>
    <message>
        <source>two styles have the same name</source>
        <translation>有两个风格同名</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>Takes effect when Writer restarts.</source>
        <translation>重启 Writer 后生效。</translation>
    </message>
    <message>
        <source>These settings cannot work</source>
        <translation>这些设置无法使用</translation>
    </message>
</context>
<context>
    <name>SpellChecking</name>
    <message>
        <source>English (US)</source>
        <translation>美式英语</translation>
    </message>
    <message>
        <source>Check &amp;Spelling</source>
        <translation>拼写检查(&amp;S)</translation>
    </message>
    <message>
        <source>Underline unknown words ({language})</source>
        <translation>为无法识别的单词加下划线（{language}）</translation>
    </message>
    <message>
        <source>Could not save your dictionary ({reason}); the word is known until you quit</source>
        <translation>无法保存你的词典（{reason}）；该单词在退出前仍视为已知</translation>
    </message>
    <message>
        <source>Looking for suggestions…</source>
        <translation>正在查找拼写建议…</translation>
    </message>
    <message>
        <source>Looking for more…</source>
        <translation>正在查找更多…</translation>
    </message>
    <message>
        <source>Add “{word}” to Dictionary</source>
        <translation>将“{word}”添加到词典</translation>
    </message>
    <message>
        <source>Ignore “{word}”</source>
        <translation>忽略“{word}”</translation>
    </message>
    <message>
        <source>No suggestions</source>
        <translation>没有拼写建议</translation>
    </message>
</context>
<context>
    <name>Style</name>
    <message>
        <source>Formal</source>
        <translation>正式</translation>
    </message>
    <message>
        <source>Rewrite the text in a formal tone.</source>
        <translation>用正式的语气改写文字。</translation>
    </message>
    <message>
        <source>Casual</source>
        <translation>随意</translation>
    </message>
    <message>
        <source>Rewrite the text in a casual, relaxed tone.</source>
        <translation>用随意、轻松的语气改写文字。</translation>
    </message>
    <message>
        <source>Concise</source>
        <translation>简洁</translation>
    </message>
    <message>
        <source>Rewrite the text to be shorter and more concise.</source>
        <translation>把文字改写得更短、更简洁。</translation>
    </message>
    <message>
        <source>Expand</source>
        <translation>扩写</translation>
    </message>
    <message>
        <source>Expand the text with more details and examples.</source>
        <translation>补充更多细节和例子，扩写文字。</translation>
    </message>
    <message>
        <source>Simplify</source>
        <translation>通俗</translation>
    </message>
    <message>
        <source>Rewrite the text in simple words that are easy to understand.</source>
        <translation>用简单易懂的词语改写文字。</translation>
    </message>
    <message>
        <source>Fix grammar and spelling</source>
        <translation>修正语法和拼写</translation>
    </message>
    <message>
        <source>Rewrite the text with correct spelling and grammar.</source>
        <translation>改写文字，修正拼写和语法。</translation>
    </message>
    <message>
        <source>Academic</source>
        <translation>学术</translation>
    </message>
    <message>
        <source>Rewrite the text in an academic style.</source>
        <translation>用学术风格改写文字。</translation>
    </message>
    <message>
        <source>Friendly</source>
        <translation>亲切</translation>
    </message>
    <message>
        <source>Rewrite the text in a warm, friendly tone.</source>
        <translation>用温暖、亲切的语气改写文字。</translation>
    </message>
    <message>
        <source>Persuasive</source>
        <translation>有说服力</translation>
    </message>
    <message>
        <source>Rewrite the text to be more persuasive.</source>
        <translation>改写文字，使其更有说服力。</translation>
    </message>
    <message>
        <source>Professional</source>
        <translation>专业</translation>
    </message>
    <message>
        <source>Rewrite the text in a professional tone.</source>
        <translation>用专业的语气改写文字。</translation>
    </message>
    <message>
        <source>Confident</source>
        <translation>自信</translation>
    </message>
    <message>
        <source>Rewrite the text to sound more confident.</source>
        <translation>改写文字，使其听起来更自信。</translation>
    </message>
    <message>
        <source>Active voice</source>
        <translation>主动语态</translation>
    </message>
    <message>
        <source>Rewrite the text in the active voice.</source>
        <translation>用主动语态改写文字。</translation>
    </message>
    <message>
        <source>Custom</source>
        <translation>自定义</translation>
    </message>
</context>
<context>
    <name>SuggestionController</name>
    <message>
        <source>Suggestion failed: {error}</source>
        <translation>续写建议失败：{error}</translation>
    </message>
    <message>
        <source>The built-in model writes Chinese poorly, so suggestions here may make little sense. For better ones, download a larger model (Settings → Model &amp; Device → Get Models…) or use a model server.</source>
        <translation>内置模型不擅长写中文，这里的建议可能不知所云。要获得更好的建议，请下载更大的模型（设置 → 模型与设备 → 获取模型…），或使用模型服务器。</translation>
    </message>
    <message>
        <source>The built-in model writes Chinese, Japanese and Korean poorly, so suggestions here may make little sense. For better ones, download a larger model (Settings → Model &amp; Device → Get Models…) or use a model server.</source>
        <translation>内置模型不擅长写中文、日文和韩文，这里的建议可能不知所云。要获得更好的建议，请下载更大的模型（设置 → 模型与设备 → 获取模型…），或使用模型服务器。</translation>
    </message>
</context>
<context>
    <name>SummarizeFeature</name>
    <message>
        <source>Su&amp;mmarize</source>
        <translation>生成摘要(&amp;M)</translation>
    </message>
    <message>
        <source>Summarize the selection, or the whole document, into a new document</source>
        <translation>为所选内容或整个文档生成摘要，写入新文档</translation>
    </message>
    <message>
        <source>The model is writing a summary; wait for it or cancel it first</source>
        <translation>模型正在生成摘要，请等它写完或先取消</translation>
    </message>
    <message>
        <source>summaries</source>
        <translation>摘要功能</translation>
    </message>
    <message>
        <source>There is no text to summarize</source>
        <translation>没有可生成摘要的文字</translation>
    </message>
    <message>
        <source>Summarizing {title}…</source>
        <translation>正在为“{title}”生成摘要…</translation>
    </message>
    <message>
        <source>Summary written (a new, unsaved document)</source>
        <translation>摘要已生成（新建的未保存文档）</translation>
    </message>
    <message>
        <source>No summary</source>
        <translation>未生成摘要</translation>
    </message>
    <message>
        <source>The model failed: {reason}</source>
        <translation>模型出错：{reason}</translation>
    </message>
    <message>
        <source>Summary cancelled</source>
        <translation>摘要已取消</translation>
    </message>
    <message>
        <source>nothing usable came back</source>
        <translation>没有得到可用的结果</translation>
    </message>
    <message>
        <source>The model could not summarize this well: {why}.

Try again, or choose a larger model in Settings → Model &amp; Device.</source>
        <translation>模型未能很好地概括这段内容：{why}。

请重试，或在“设置 → 模型与设备”中选择更大的模型。</translation>
    </message>
</context>
<context>
    <name>WordCount</name>
    <message>
        <source>%n word(s) and character(s)</source>
        <translation>%n 字</translation>
    </message>
    <message>
        <source>%n word(s)</source>
        <translation>%n 个词</translation>
    </message>
    <message>
        <source>{selected} of %n word(s) and character(s)</source>
        <translation>{selected} / %n 字</translation>
    </message>
    <message>
        <source>{selected} of %n word(s)</source>
        <translation>{selected} / %n 个词</translation>
    </message>
    <message>
        <source>Ln {line}, Col {column}</source>
        <translation>第 {line} 行，第 {column} 列</translation>
    </message>
</context>
<context>
    <name>_Dictionary</name>
    <message>
        <source>Spell checking is unavailable: {reason}</source>
        <translation>拼写检查不可用：{reason}</translation>
    </message>
</context>
</TS>
